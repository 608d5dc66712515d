import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { TestDatabase, balances, createTestDatabase, insertBulkAward, insertCommand, insertTenantWithStaff, insertUser, testRedisUrl } from '@points/testing';
import pino from 'pino';
import { Worker } from 'bullmq';
import { QUEUES } from '@points/contracts';
import { createRedis, enqueueCommand, workerOptions } from '@points/queue';
import { startBulkAwardWorker } from '../src/bulk/bulk-worker';
import { sweepStuckCommands } from '../src/worker/command-sweeper';
import { journalProblems, run } from './ledger-harness';
import { waitUntilFinal, workerHarness } from './worker-harness';

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
const harness = workerHarness(em);
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await harness.close();
  await db.drop();
});

it('a worker SIGKILLed mid-transaction leaves nothing applied; the job is re-delivered and applied exactly once', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  await run(em(), 'allocate', admin, { tenantId: t.tenantId, amount: '50.00', currency: 'USD', referenceNote: 'initial' });

  const root = resolve(__dirname, '../../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/ledger-worker/test/fixtures/worker-that-hangs-before-commit.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: harness.prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const hanging = new Promise<void>((done) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('HANGING_BEFORE_COMMIT') && done()));

  const id = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '20.00' });
  await hanging;
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));

  // PostgreSQL rolled the dead transaction back: nothing moved.
  expect(await balances(em(), t.tenantId)).toMatchObject({ pool: '50.00', wallets: expect.objectContaining({ [t.employee.id]: '0.00' }) });

  // A healthy worker finds the stalled job and finishes it.
  harness.startWorker({ stalledIntervalMs: 500, lockDurationMs: 1_000 });
  const outcome = (await waitUntilFinal(em(), [id], 30_000)).get(id);
  expect(outcome?.status).toBe('succeeded');
  expect(await balances(em(), t.tenantId)).toMatchObject({ pool: '30.00', wallets: expect.objectContaining({ [t.employee.id]: '20.00' }) });
  const [{ n }] = await em().fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM wallet_ledger WHERE command_id = ?', [id]);
  expect(n).toBe('1');
  expect(await journalProblems(em())).toEqual([]);
});

it('a command stored but never enqueued (the gateway died in between) is found by the sweeper and applied', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  const id = await insertCommand(em(), { type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: t.tenantId, amount: '5.00', currency: 'USD', referenceNote: 'orphan' } });
  harness.startWorker();

  await new Promise((r) => setTimeout(r, 150));
  expect(await sweepStuckCommands({ em: em(), queues: harness.queues, logger: silent }, 100)).toEqual({ reEnqueued: 1, failed: 0 });
  expect((await waitUntilFinal(em(), [id])).get(id)?.status).toBe('succeeded');
  expect((await balances(em(), t.tenantId)).pool).toBe('5.00');
});

it('a command whose job BullMQ gave up on (its worker died before marking it) is finished `failed` by the sweeper, not sent again forever', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  const payload = { tenantId: t.tenantId, amount: '5.00', currency: 'USD', referenceNote: 'poison' };
  const id = await insertCommand(em(), { type: 'allocate', tenantId: null, issuerId: admin.id, payload });
  await harness.closeWorkers();
  // A bare worker that fails the job for good and, like a worker that died, never records it.
  const connection = createRedis(testRedisUrl(), 'worker');
  const worker = new Worker(QUEUES.commands, () => Promise.reject(new Error('defect')), workerOptions({ connection, prefix: harness.prefix, concurrency: 1, retry: { baseDelayMs: 10, maxDelayMs: 10, maxAttempts: 1 } }));
  const poisoned = new Promise((done) => worker.once('failed', done));
  await enqueueCommand(harness.queues, { id, type: 'allocate', tenantId: null, payload });
  await poisoned;
  await worker.close();
  connection.disconnect();
  await em().fork().execute(`UPDATE accepted_commands SET updated_at = now() - interval '1 minute' WHERE id = ?`, [id]);

  expect(await sweepStuckCommands({ em: em(), queues: harness.queues, logger: silent }, 100)).toEqual({ reEnqueued: 0, failed: 1 });
  expect((await waitUntilFinal(em(), [id])).get(id)).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
  expect((await balances(em(), t.tenantId)).pool).toBe('0.00');
  // Finished: the next sweep has nothing left to do.
  expect(await sweepStuckCommands({ em: em(), queues: harness.queues, logger: silent }, 100)).toEqual({ reEnqueued: 0, failed: 0 });
});

it('a bulk award whose worker is SIGKILLed mid-job resumes on another worker and credits each recipient once', async () => {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  await run(em(), 'allocate', admin, { tenantId: t.tenantId, amount: '1000.00', currency: 'USD', referenceNote: 'x' });
  const recipients = [];
  for (let i = 0; i < 300; i++) recipients.push(await insertUser(em(), 'employee', t.tenantId));
  const bulkId = (await insertBulkAward(em(), { tenantId: t.tenantId, issuerId: t.manager.id, description: null, rows: recipients.map((u) => ({ userRef: u.id, amountText: '1.00', description: null })) })).id;

  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/ledger-worker/test/fixtures/bulk-worker-that-hangs.ts'], {
    cwd: resolve(__dirname, '../../..'),
    env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: harness.prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const midJob = new Promise<void>((done) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('CHUNK_WRITTEN') && done()));
  await enqueueCommand(harness.queues, { id: bulkId, type: 'bulk_award', tenantId: t.tenantId, payload: null });
  await midJob;
  const [during] = await em().fork().execute<{ status: string; processed: number }[]>('SELECT status, processed FROM bulk_awards WHERE id = ?', [bulkId]);
  expect(during.status).toBe('applying');
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));
  expect((await balances(em(), t.tenantId)).pool).toBe('1000.00');

  const connection = createRedis(testRedisUrl(), 'worker');
  const worker = startBulkAwardWorker({ connection, prefix: harness.prefix, em: em(), logger: pino({ level: 'silent' }), lockDurationMs: 1_000, stalledIntervalMs: 500 });
  try {
    for (let i = 0; i < 200; i++) {
      const [row] = await em().fork().execute<{ status: string }[]>('SELECT status FROM bulk_awards WHERE id = ?', [bulkId]);
      if (row.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.close();
    connection.disconnect();
  }
  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe('700.00');
  expect(recipients.every((u) => after.wallets[u.id] === '1.00')).toBe(true);
  expect(await journalProblems(em())).toEqual([]);
}, 60_000);
