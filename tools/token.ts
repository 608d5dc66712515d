import { parseArgs } from 'node:util';
import { loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { issueToken } from '@points/auth';

/** `npm run token -- --email <email> [--ttl 3600]`: prints a valid JWT for that user on one line. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, ttl: { type: 'string', default: '3600' } } });
  if (!values.email) throw new Error('usage: npm run token -- --email <email> [--ttl seconds]');
  const config = loadConfig();
  const orm = await createOrm(config.DATABASE_URL, 1);
  try {
    const [user] = await orm.em
      .fork()
      .execute<{ id: string; role: string; tenant_id: string | null; active: boolean }[]>(
        'SELECT id, role, tenant_id, active FROM users WHERE lower(email) = lower(?)',
        [values.email],
      );
    if (!user) throw new Error(`no user with email ${values.email} (did you run npm run seed:demo?)`);
    if (!user.active) throw new Error(`user ${values.email} is not active`);
    const token = await issueToken(config.JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenant_id }, Number(values.ttl));
    process.stdout.write(`${token}\n`);
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
