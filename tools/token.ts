import { parseArgs } from 'node:util';
import { loadConfig } from '@points/config';
import { tokenForEmail } from './lib/token-for-email';

/** `npm run token -- --email <email> [--ttl 3600]`: prints a valid JWT for that user on one line. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, ttl: { type: 'string', default: '3600' } } });
  if (!values.email) throw new Error('usage: npm run token -- --email <email> [--ttl seconds]');
  const config = loadConfig();
  const ttl = Number(values.ttl);
  // The gateway refuses a token that lives longer than JWT_MAX_TTL_SECONDS: say so now, not at the first request.
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.JWT_MAX_TTL_SECONDS) throw new Error(`--ttl must be a whole number of seconds from 1 to ${config.JWT_MAX_TTL_SECONDS} (JWT_MAX_TTL_SECONDS)`);
  process.stdout.write(`${await tokenForEmail(values.email, ttl)}\n`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
