// `npm run bench`: times what the issues set targets for. Runs in a database of
// its own, dropped afterwards. Prints one line per measurement.
import { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, insertBulkAward, insertCommand, insertEmployees, insertTenantWithStaff, insertUser } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';
import { processBulkAward } from '../src/bulk/process-bulk-award';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 100_000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 2_000);

async function main() {
  const db = await createTestDatabase(10);
  const em = db.orm.em as EntityManager;
  try {
    const t = await insertTenantWithStaff(em);
    const admin = await insertUser(em, 'platform_admin', null);
    const allocate = await insertCommand(em, { type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: t.tenantId, amount: '9000000000.00', currency: 'USD', referenceNote: 'bench' } });
    await applyCommands(em, [allocate]);
    const recipients = await insertEmployees(em, t.tenantId, ROWS, 'bench');

    // 1. Single commands, one transaction each (the award path without HTTP and Redis).
    let started = performance.now();
    for (let i = 0; i < COMMANDS; i++) {
      const id = await insertCommand(em, { type: 'award', tenantId: t.tenantId, issuerId: t.manager.id, payload: { userId: recipients[i % recipients.length].id, amount: '1.00' } });
      await applyCommands(em, [id]);
    }
    let ms = performance.now() - started;
    console.log(`single awards: ${COMMANDS} applied one per transaction in ${(ms / 1000).toFixed(2)} s = ${Math.round(COMMANDS / (ms / 1000))} commands/s (store + apply, sequential)`);

    // 2. A bulk award of ROWS rows: storing the upload, then the job.
    started = performance.now();
    const bulkId = (await insertBulkAward(em, { tenantId: t.tenantId, issuerId: t.manager.id, description: 'bench', rows: recipients.map((r) => ({ userRef: r.id, amountText: '1.00', description: null })) })).id;
    const storedMs = performance.now() - started;
    started = performance.now();
    const { status } = await processBulkAward(em, bulkId);
    ms = performance.now() - started;
    console.log(`bulk award: ${ROWS} rows stored in ${(storedMs / 1000).toFixed(2)} s; validated and applied (${status}) in ${(ms / 1000).toFixed(2)} s (target < 10 s)`);
    if (status !== 'succeeded') process.exitCode = 1;
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
