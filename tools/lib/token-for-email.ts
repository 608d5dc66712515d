import { issueToken } from '@points/auth';
import { loadConfig } from '@points/config';
import { createOrm, UserSchema } from '@points/db';

/**
 * A valid JWT for the user with this email (any case), for `npm run token` and
 * the CLI's `--email`: reads DATABASE_URL and JWT_SECRET as the apps do.
 */
export async function tokenForEmail(email: string, ttlSeconds = 3600): Promise<string> {
  const config = loadConfig();
  const orm = await createOrm(config.DATABASE_URL, 1);
  try {
    const user = await orm.em.fork().createQueryBuilder(UserSchema, 'u').select(['id', 'role', 'tenantId', 'active']).where('lower(u.email) = lower(?)', [email]).getSingleResult();
    if (!user) throw new Error(`no user with email ${email} (did you run npm run seed:demo?)`);
    if (!user.active) throw new Error(`user ${email} is not active`);
    return await issueToken(config.JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenantId }, ttlSeconds);
  } finally {
    await orm.close();
  }
}
