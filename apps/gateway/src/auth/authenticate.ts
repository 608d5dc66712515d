import { RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { AppError, Role } from '@points/contracts';
import { Orm } from '@points/db';

const Claims = z.object({
  sub: z.uuid(),
  role: Role,
  tenantId: z.uuid().optional(),
  exp: z.number(),
});

/**
 * Verifies the bearer token (HS256, `exp` required) and then the user it names:
 * they must exist, be active, and still hold the token's role and tenant. A
 * token is a claim; the users table is the truth.
 */
export function authenticate(orm: Orm, jwtSecret: string): RequestHandler {
  const key = new TextEncoder().encode(jwtSecret);
  return async (req, _res, next) => {
    try {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AppError('UNAUTHENTICATED', 'a bearer token is required');
      const claims = await verify(match[1], key);
      // Raw SQL on purpose: every request passes here, and this costs a quarter of the CPU of
      // em.findOne and a third of the QueryBuilder's (measured: 0.10 vs 0.43 vs 0.23 ms).
      const [user] = await orm.em
        .fork()
        .execute<{ role: string; tenant_id: string | null; active: boolean }[]>('SELECT role, tenant_id, active FROM users WHERE id = ?', [claims.sub]);
      if (!user || !user.active || user.role !== claims.role || user.tenant_id !== (claims.tenantId ?? null)) {
        throw new AppError('UNAUTHENTICATED', 'the token does not match an active user');
      }
      req.caller = { userId: claims.sub, role: claims.role, tenantId: claims.tenantId ?? null };
      req.log = req.log?.child({ userId: claims.sub });
      next();
    } catch (error) {
      next(error);
    }
  };
}

async function verify(token: string, key: Uint8Array): Promise<z.infer<typeof Claims>> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new AppError('UNAUTHENTICATED', 'the token claims are invalid');
    return claims.data;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const expired = error instanceof joseErrors.JWTExpired;
    throw new AppError('UNAUTHENTICATED', expired ? 'the token has expired' : 'the token is invalid');
  }
}
