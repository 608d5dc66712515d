import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { findUndecidedCommands, lockCommands, markFailed, markProcessing, recordOutcomes } from '@points/db';
import { TestDatabase, balances, createTestDatabase, insertCommand, insertTenantWithStaff, insertUser } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';

// The recovery sweep walks accepted commands from a stored horizon, before which
// every command is decided, instead of an index every outcome would rewrite.
// These tests hold it to that: it finds every undecided command, moves past
// decided ones, and never passes a command whose transaction has not committed;
// and its writes wait for the ledger's lock on a command rather than race it.

let db: TestDatabase;
const em = () => db.orm.em as EntityManager;
const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => em().fork().execute<T[]>(query, params);
/** Epoch milliseconds (with microseconds as a fraction), exact enough to compare timestamps. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const horizon = async () => (await sql<{ at: number }>(`SELECT ${ms('decided_before')} AS at FROM command_sweep`))[0].at;
const acceptedAt = async (id: string) => (await sql<{ at: number }>(`SELECT ${ms('created_at')} AS at FROM accepted_commands WHERE id = ?`, [id]))[0].at;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function allocation(referenceNote: string) {
  const t = await insertTenantWithStaff(em());
  const admin = await insertUser(em(), 'platform_admin', null);
  const id = await insertCommand(em(), { type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: t.tenantId, amount: '5.00', currency: 'USD', referenceNote } });
  return { id, admin, tenantId: t.tenantId };
}

/** A promise the test resolves when it chooses: `opened` waits, `open()` lets it through. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Accepted `minutesAgo`, unchanged since (only an undecided command's row may be changed). */
const backdate = (id: string, minutesAgo: number) =>
  sql(`UPDATE accepted_commands SET created_at = now() - make_interval(mins => ?), updated_at = now() - make_interval(mins => ?) WHERE id = ?`, [minutesAgo, minutesAgo, id]);

it('finds each undecided command, moves the horizon up to the oldest one, and past it once it is decided', async () => {
  // The commands below are dated back, before the horizon the migration set: move it back first.
  await sql(`UPDATE command_sweep SET decided_before = now() - interval '1 hour'`);
  const [a, b, c] = [await allocation('a'), await allocation('b'), await allocation('c')];
  await backdate(a.id, 30);
  await backdate(b.id, 20);
  await backdate(c.id, 10);
  await markFailed(em(), a.id);
  await markFailed(em(), c.id);

  expect((await findUndecidedCommands(em(), 1_000)).map((command) => command.id)).toEqual([b.id]);
  const oldest = await acceptedAt(b.id);
  expect(await horizon()).toBe(oldest);
  // Found again while it stays undecided; the horizon does not move past it.
  expect((await findUndecidedCommands(em(), 1_000)).map((command) => command.id)).toEqual([b.id]);
  expect(await horizon()).toBe(oldest);

  await markFailed(em(), b.id);
  expect(await findUndecidedCommands(em(), 1_000)).toEqual([]);
  // Nothing undecided is left: the horizon moves to a minute before now, past all three.
  const moved = await horizon();
  expect(moved).toBeGreaterThan(oldest + 9 * 60_000);
  expect(moved).toBeLessThanOrEqual(Date.now() - 59_000);
});

it('a command accepted recently is not stuck yet: it holds the horizon but is not returned', async () => {
  const { id } = await allocation('recent');
  expect(await findUndecidedCommands(em(), 60_000, { lagMs: 0 })).toEqual([]);
  expect(await horizon()).toBeLessThanOrEqual(await acceptedAt(id));
  await markFailed(em(), id);
});

it('never passes a command whose transaction is still open, and finds it once it commits', async () => {
  const { admin, tenantId } = await allocation('setup');
  await sql(`INSERT INTO command_outcomes (command_id, status, error, attempts) SELECT id, 'failed', '{"code":"INTERNAL","message":"test"}', 1 FROM accepted_commands a WHERE NOT EXISTS (SELECT 1 FROM command_outcomes o WHERE o.command_id = a.id)`);
  const late = randomUUID();
  const inserted = gate();
  const mayCommit = gate();
  const open = em()
    .fork()
    .transactional(async (tx) => {
      await tx.execute(`INSERT INTO accepted_commands (id, type, tenant_id, issuer_id, payload) VALUES (?, 'allocate', NULL, ?, ?)`, [
        late,
        admin.id,
        JSON.stringify({ tenantId, amount: '5.00', currency: 'USD', referenceNote: 'late' }),
      ]);
      inserted.open();
      await mayCommit.opened;
    });
  await inserted.opened;
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  // Nothing else is undecided and no lag is asked for, yet the horizon stays before the open transaction's start.
  expect(await findUndecidedCommands(em(), 0, { lagMs: 0 })).toEqual([]);
  const before = await horizon();
  mayCommit.open();
  await open;
  expect(before).toBeLessThan(await acceptedAt(late));
  expect((await findUndecidedCommands(em(), 0, { lagMs: 0 })).map((command) => command.id)).toEqual([late]);
  await markFailed(em(), late);
});

it('a full sweep finds an undecided command the horizon has passed (a session the activity view could not show)', async () => {
  const { id } = await allocation('hidden');
  await backdate(id, 5);
  // The horizon has moved past it, as it would past a command committed by an unseen session.
  await sql(`UPDATE command_sweep SET decided_before = now() - interval '1 minute'`);
  expect(await findUndecidedCommands(em(), 1_000)).toEqual([]);
  expect((await findUndecidedCommands(em(), 1_000, { fromStart: true })).map((command) => command.id)).toEqual([id]);
  await markFailed(em(), id);
});

describe("the sweeper's writes wait for the ledger's lock on a command", () => {
  /** Applies the command in a transaction held open before COMMIT until `commit()` is called. */
  async function holdLedger(id: string) {
    const atCommit = gate();
    const mayCommit = gate();
    const applied = applyCommands(em(), [id], {
      beforeCommit: async () => {
        atCommit.open();
        await mayCommit.opened;
      },
    });
    await atCommit.opened;
    return { applied, commit: mayCommit.open };
  }

  it('failing a command the ledger has locked but not yet decided waits for the decision, then does nothing', async () => {
    const { id } = await allocation('race');
    const locked = gate();
    const mayDecide = gate();
    // The ledger between its lock and its write: the outcome is not inserted yet.
    const ledger = em()
      .fork()
      .transactional(async (tx) => {
        await lockCommands(tx, [id]);
        locked.open();
        await mayDecide.opened;
        await recordOutcomes(tx, new Map([[id, { status: 'rejected', error: { code: 'VALIDATION_FAILED', message: 'decided by the test' } }]]));
      });
    await locked.opened;
    let failedSettled = false;
    const failing = markFailed(em(), id).finally(() => (failedSettled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failedSettled).toBe(false);
    mayDecide.open();
    await expect(ledger).resolves.toBeUndefined();
    expect(await failing).toBe(false);
    expect(await sql('SELECT status, error FROM commands WHERE id = ?', [id])).toEqual([{ status: 'rejected', error: { code: 'VALIDATION_FAILED', message: 'decided by the test' } }]);
  });

  it('a command the ledger applies while it is being failed is applied once, or failed with nothing moved', async () => {
    const { id, tenantId } = await allocation('race-applied');
    const ledger = await holdLedger(id);
    const failing = markFailed(em(), id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    ledger.commit();
    expect((await ledger.applied).get(id)?.status).toBe('succeeded');
    expect(await failing).toBe(false);
    expect((await balances(em(), tenantId)).pool).toBe('5.00');
  });

  it('marking a command processing while the ledger decides it waits, then leaves the decided command alone', async () => {
    const { id } = await allocation('retry-race');
    const ledger = await holdLedger(id);
    const marking = markProcessing(em(), [id]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    ledger.commit();
    await ledger.applied;
    await expect(marking).resolves.toBeUndefined();
    expect(await sql('SELECT status, attempts FROM commands WHERE id = ?', [id])).toEqual([{ status: 'succeeded', attempts: 1 }]);
  });
});
