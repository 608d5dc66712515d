import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Registry } from 'prom-client';
import { ledgerMetrics } from '@points/ops';
import { TestDatabase, balances, createTestDatabase, insertCommand, seededRandom } from '@points/testing';
import { accountingCheck, journalProblems, fundedTenant as fundedTenantIn } from './ledger-harness';
import { TEST_RETRY, waitUntilFinal, workerHarness } from './worker-harness';

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
const harness = workerHarness(em);

beforeAll(async () => {
  db = await createTestDatabase(20);
});
afterEach(() => harness.closeWorkers());
afterAll(async () => {
  await harness.close();
  await db.drop();
});

const fundedTenant = (pool: string) => fundedTenantIn(em(), pool);

it('200 concurrent awards of 1.00 against a pool of 100.00: exactly 100 succeed and the pool ends at 0.00', async () => {
  const registry = new Registry();
  harness.startWorker({ concurrency: 16, metrics: ledgerMetrics(registry) });
  const t = await fundedTenant('100.00');
  const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => harness.submit('award', t.manager, { userId: i % 2 ? t.employee.id : t.employee2.id, amount: '1.00' })));

  const outcomes = [...(await waitUntilFinal(em(), ids)).values()];
  expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(100);
  expect(outcomes.filter((o) => o.status === 'rejected' && o.error?.code === 'INSUFFICIENT_BALANCE')).toHaveLength(100);
  const after = await balances(em(), t.tenantId);
  expect(after.pool).toBe('0.00');
  expect(Number(after.wallets[t.employee.id]) + Number(after.wallets[t.employee2.id])).toBe(100);
  expect(await journalProblems(em())).toEqual([]);
  // Jobs processed together shared transactions: every command in exactly one committed batch, in fewer than 200 batches.
  const batches = (await registry.getMetricsAsJSON()).find((m) => m.name === 'points_ledger_batch_size')?.values ?? [];
  const value = (name: string) => batches.find((v) => (v as { metricName?: string }).metricName === name)?.value;
  expect(value('points_ledger_batch_size_sum')).toBe(200);
  expect(value('points_ledger_batch_size_count')).toBeLessThan(200);
});

it("while one tenant's pool is locked (as by a long bulk award), its new commands are still stored and other tenants' commands are still applied", async () => {
  harness.startWorker({ concurrency: 16 });
  const busy = await fundedTenant('100.00');
  const other = await fundedTenant('100.00');
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = em()
    .fork()
    .transactional(async (tx) => {
      await tx.execute('SELECT id FROM tenants WHERE id = ? FOR NO KEY UPDATE', [busy.tenantId]); // as the ledger locks a pool
      locked();
      await new Promise<void>((r) => (release = r));
    });
  await isLocked;

  let waiting: string[] = [];
  try {
    waiting = await Promise.all([1, 2, 3].map(() => harness.submit('award', busy.manager, { userId: busy.employee.id, amount: '1.00' })));
    const flowing = await Promise.all([1, 2, 3, 4, 5, 6].map(() => harness.submit('award', other.manager, { userId: other.employee.id, amount: '1.00' })));
    const flowed = await waitUntilFinal(em(), flowing, 10_000);
    expect([...flowed.values()].every((o) => o.status === 'succeeded')).toBe(true);
    const [{ open }] = await em().fork().execute<{ open: string }[]>(`SELECT count(*)::text AS open FROM commands WHERE id IN (?, ?, ?) AND status IN ('queued', 'processing')`, waiting);
    expect(open).toBe('3');
  } finally {
    release();
    await holder;
  }
  expect([...(await waitUntilFinal(em(), waiting)).values()].every((o) => o.status === 'succeeded')).toBe(true);
});

it('the same command enqueued as two different jobs is applied once', async () => {
  harness.startWorker();
  const t = await fundedTenant('10.00');
  const id = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '2.50' });
  await harness.queue.add('award', { commandId: id, type: 'award', tenantId: t.tenantId }, { jobId: `${id}-duplicate` });
  await waitUntilFinal(em(), [id]);
  await jobFinished(`${id}-duplicate`);

  expect((await balances(em(), t.tenantId)).wallets[t.employee.id]).toBe('2.50');
  const [{ n }] = await em().fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM wallet_ledger WHERE command_id = ?', [id]);
  expect(n).toBe('1');
});

/** Waits until the job's last attempt is over; returns its final state. */
async function jobFinished(jobId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await harness.queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') return state;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a job forged straight into the commands queue', () => {
  // Retries and the look-again for a missing command kept short: a forged job's attempts are the test's wait.
  const quickly = { retry: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 2 }, batching: { notFoundForMs: 100 } };

  it('naming a command that was never stored, with another tenant in the job and its accounts alongside: fails, nothing changes anywhere', async () => {
    harness.startWorker(quickly);
    const victim = await fundedTenant('50.00');
    const before = await balances(em(), victim.tenantId);
    const forged = randomUUID();
    const job = { commandId: forged, type: 'allocate', tenantId: victim.tenantId, payload: { tenantId: victim.tenantId, amount: '1000000.00' }, userId: victim.employee.id, amount: '50.00' };
    await harness.queue.add('allocate', job as never, { jobId: forged });

    expect(await jobFinished(forged)).toBe('failed');
    expect(await balances(em(), victim.tenantId)).toEqual(before);
    const [{ n }] = await em().fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM commands WHERE id = ?', [forged]);
    expect(n).toBe('0');
    expect(await journalProblems(em())).toEqual([]);
  });

  it("naming one tenant's stored command with another tenant as its batching hint: the stored command is applied, to its own accounts, once", async () => {
    harness.startWorker(quickly);
    const owner = await fundedTenant('10.00');
    const other = await fundedTenant('10.00');
    const otherBefore = await balances(em(), other.tenantId);
    const id = await insertCommand(em(), { type: 'award', tenantId: owner.tenantId, issuerId: owner.manager.id, payload: { userId: owner.employee.id, amount: '4.00' } });
    // The forgery claims another type and tenant; only the command id is used.
    await harness.queue.add('allocate', { commandId: id, type: 'allocate', tenantId: other.tenantId }, { jobId: `${id}-forged` });
    await harness.queue.add('award', { commandId: id, type: 'award', tenantId: owner.tenantId }, { jobId: id });

    expect((await waitUntilFinal(em(), [id])).get(id)?.status).toBe('succeeded');
    await jobFinished(`${id}-forged`);
    await jobFinished(id);
    expect(await balances(em(), owner.tenantId)).toMatchObject({ pool: '6.00', wallets: expect.objectContaining({ [owner.employee.id]: '4.00' }) });
    expect(await balances(em(), other.tenantId)).toEqual(otherBefore);
    const [{ n }] = await em().fork().execute<{ n: string }[]>('SELECT count(*)::text AS n FROM wallet_ledger WHERE command_id = ?', [id]);
    expect(n).toBe('1');
  });
});

it('a command applied on its first try is never rewritten: its accepted row stays as stored, its outcome is one row of the ledger transaction', async () => {
  const t = await fundedTenant('10.00');
  const id = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '1' });
  const accepted = () => em().fork().execute<{ version: string }[]>('SELECT xmin::text AS version FROM accepted_commands WHERE id = ?', [id]);
  const [before] = await accepted();
  harness.startWorker();
  await waitUntilFinal(em(), [id]);

  const [command] = await em().fork().execute<{ status: string; attempts: number }[]>('SELECT status, attempts FROM commands WHERE id = ?', [id]);
  expect(command).toMatchObject({ status: 'succeeded', attempts: 1 });
  expect(await accepted()).toEqual([before]);
  // The outcome was written by the ledger transaction (its xid is the row's xmin), the one that wrote the events.
  const [outcome] = await em().fork().execute<{ version: string }[]>('SELECT xmin::text AS version FROM command_outcomes WHERE command_id = ?', [id]);
  const [ledger] = await em().fork().execute<{ xid: string }[]>('SELECT DISTINCT o.xmin::text AS xid FROM outbox_events o WHERE o.command_id = ?', [id]);
  expect(outcome.version).toBe(ledger.xid);
});

it('a job whose transaction dies before COMMIT is retried with backoff and applied once', async () => {
  let crashes = 0;
  harness.startWorker({
    apply: {
      beforeCommit: async () => {
        if (crashes++ < 2) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
    },
  });
  const t = await fundedTenant('10.00');
  const id = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '3' });
  const outcome = (await waitUntilFinal(em(), [id])).get(id);

  expect(outcome?.status).toBe('succeeded');
  expect(crashes).toBe(3);
  const [command] = await em().fork().execute<{ attempts: number }[]>('SELECT attempts FROM commands WHERE id = ?', [id]);
  expect(command.attempts).toBe(3);
  expect(await balances(em(), t.tenantId)).toMatchObject({ pool: '7.00', wallets: expect.objectContaining({ [t.employee.id]: '3.00' }) });
});

it('a command that keeps failing ends `failed` once its attempts are used up, with nothing changed', async () => {
  harness.startWorker({ apply: { beforeCommit: async () => Promise.reject(new Error('bug')) }, retry: { ...TEST_RETRY, maxAttempts: 2 } });
  const t = await fundedTenant('10.00');
  const id = await harness.submit('award', t.manager, { userId: t.employee.id, amount: '3' });
  const outcome = (await waitUntilFinal(em(), [id])).get(id);

  expect(outcome).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
  expect((await balances(em(), t.tenantId)).pool).toBe('10.00');
});

it('after a randomised mix of 1,000 commands across 3 tenants, every tenant balances and every journal chains', async () => {
  harness.startWorker({ concurrency: 12 });
  const random = seededRandom(20261123);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const amount = () => (Math.floor(random() * 5000) / 100 + 0.01).toFixed(2);
  const tenants = await Promise.all([fundedTenant('500.00'), fundedTenant('500.00'), fundedTenant('500.00')]);

  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = pick(tenants);
    const other = pick(tenants);
    const roll = random();
    if (roll < 0.1) ids.push(await harness.submit('allocate', t.admin, { tenantId: t.tenantId, amount: amount(), currency: 'EUR', referenceNote: `top-up ${i}` }));
    else if (roll < 0.18) ids.push(await harness.submit('clawback', t.admin, { tenantId: t.tenantId, amount: amount(), referenceNote: `claw ${i}` }));
    else if (roll < 0.35) ids.push(await harness.submit('delegate', pick([t.manager, t.hr]), { leadId: t.lead.id, amount: amount() }));
    else if (roll < 0.6) ids.push(await harness.submit('award', pick([t.manager, t.hr]), { userId: pick([t.employee, t.employee2, other.employee]).id, amount: amount() }));
    else if (roll < 0.8) ids.push(await harness.submit('award', t.lead, { userId: pick([t.employee, t.employee2]).id, amount: amount() }));
    else ids.push(await harness.submit('recognition', pick([t.lead, t.manager, t.employee]), { recipientId: t.employee2.id, points: pick(['0', amount()]), message: `thanks ${i}` }));
  }
  const outcomes = [...(await waitUntilFinal(em(), ids, 120_000)).values()];

  expect(outcomes.every((o) => o.status === 'succeeded' || o.status === 'rejected')).toBe(true);
  expect(outcomes.filter((o) => o.status === 'succeeded').length).toBeGreaterThan(300);
  const check = await accountingCheck(em());
  for (const t of tenants) expect(check.find((row) => row.tenant_id === t.tenantId)).toMatchObject({ balanced: true });
  expect(await journalProblems(em())).toEqual([]);
}, 180_000);

