import { RequestHandler } from 'express';
import { Options as RateLimitConfig, RateLimitInfo, rateLimit } from 'express-rate-limit';
import { RedisReply, RedisStore } from 'rate-limit-redis';
import { Redis } from 'ioredis';
import { AppError } from '@points/contracts';
import { Logger } from '@points/config';

export interface RateLimitOptions {
  limitPerMinute: number;
  /** Counters live in Redis, so every gateway instance shares one limit per user. */
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
}

/**
 * rate-limit-redis loads its Lua scripts once, when the limiter starts. The
 * gateway may start before Redis is up (it still serves reads), so this store
 * loads them whenever the connection becomes ready, and not before.
 */
class ReadyAwareRedisStore extends RedisStore {
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    super({ sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>, prefix });
    redis.on('ready', () => this.loadScripts());
  }

  override async init(config: RateLimitConfig): Promise<void> {
    this.windowMs = config.windowMs;
    if (this.redis.status === 'ready') this.loadScripts();
  }

  private loadScripts(): void {
    this.incrementScriptSha = this.loadIncrementScript();
    this.getScriptSha = this.loadGetScript();
    Promise.all([this.incrementScriptSha, this.getScriptSha]).catch((err: Error) => this.logger.warn({ err: err.message }, 'rate limiter could not load its scripts'));
  }
}

/**
 * Per-user limit (runs after authentication): 429 RATE_LIMITED with Retry-After.
 * While Redis is unreachable the limit is not enforced (reads keep working;
 * commands are refused with 503 anyway) and a warning is logged per request.
 */
export function perUserRateLimit(options: RateLimitOptions): RequestHandler {
  const store = new ReadyAwareRedisStore(options.redis, options.keyPrefix, options.logger);
  return rateLimit({
    windowMs: 60_000,
    limit: options.limitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    passOnStoreError: true,
    logger: {
      error: (err: unknown, message?: string) => options.logger.warn({ err: (err as Error)?.message }, message ?? 'rate limiter error'),
      warn: (err: unknown, message?: string) => options.logger.warn({ err: (err as Error)?.message }, message ?? 'rate limiter warning'),
    },
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
