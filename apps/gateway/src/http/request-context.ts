import { Request } from 'express';
import { Role } from '@points/contracts';

/** Who is calling, as verified against the users table on every request. */
export interface Caller {
  userId: string;
  role: Role;
  tenantId: string | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export function callerOf(req: Request): Caller {
  if (!req.caller) throw new Error('route is missing the authenticate middleware');
  return req.caller;
}

/** The caller's tenant; only tenant routes call this, so a platform admin never reaches it. */
export function tenantOf(req: Request): string {
  const { tenantId } = callerOf(req);
  if (!tenantId) throw new Error('tenant route reached without a tenant');
  return tenantId;
}
