import { loadConfig } from '@points/config';
import { createOrm } from '@points/db';
import { DEMO_ADMIN_EMAIL, seedDemo } from './lib/demo-seed';

/**
 * `npm run seed:demo`: idempotently creates the platform admin and the demo
 * tenant `triton` (manager, HR admin, two leads, twenty employees), with wallets
 * and lead budgets at zero. Balances only ever move through the ledger.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await createOrm(config.DATABASE_URL, 2);
  try {
    const demo = await seedDemo(orm.em.fork());
    console.log(`demo data ready: platform admin ${DEMO_ADMIN_EMAIL}, tenant triton (${demo.tenantId}) with ${demo.userCount} users`);
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(`seeding failed: ${(error as Error).message}`);
  process.exit(1);
});
