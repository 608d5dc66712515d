import { RequestHandler } from 'express';
import { RateLimitInfo, rateLimit } from 'express-rate-limit';
import { AppError } from '@points/contracts';

/** Per-user limit (runs after authentication): 429 RATE_LIMITED with Retry-After. */
export function perUserRateLimit(limitPerMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => req.caller?.userId ?? 'anonymous',
    validate: { keyGeneratorIpFallback: false },
    handler: (req, res, next) => {
      const info = (req as typeof req & { rateLimit?: RateLimitInfo }).rateLimit;
      const resetTime = info?.resetTime?.getTime() ?? Date.now() + 60_000;
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((resetTime - Date.now()) / 1000))));
      next(new AppError('RATE_LIMITED', 'too many requests; retry after the time in Retry-After'));
    },
  });
}
