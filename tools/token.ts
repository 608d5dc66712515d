import { parseArgs } from 'node:util';
import { tokenForEmail } from './lib/token-for-email';

/** `npm run token -- --email <email> [--ttl 3600]`: prints a valid JWT for that user on one line. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, ttl: { type: 'string', default: '3600' } } });
  if (!values.email) throw new Error('usage: npm run token -- --email <email> [--ttl seconds]');
  process.stdout.write(`${await tokenForEmail(values.email, Number(values.ttl))}\n`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
