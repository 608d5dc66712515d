import { RequestHandler } from 'express';
import { AppError, Role } from '@points/contracts';

export function requireRole(roles: readonly Role[]): RequestHandler {
  return (req, _res, next) => {
    if (req.caller && roles.includes(req.caller.role)) return next();
    next(new AppError('FORBIDDEN', 'your role may not use this endpoint'));
  };
}
