import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';
import { createTestDatabase, insertCommand, insertTenantWithStaff, insertUser } from '@points/testing';
import { applyCommands } from '../src/ledger/apply-commands';

const sql = (name: string) => readFileSync(resolve(__dirname, '../../../tools/sql', name), 'utf8');

/** Stores a command as the gateway would and applies it; returns its outcome. */
export async function run(em: EntityManager, type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) {
  const id = await insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });
  const outcome = (await applyCommands(em, [id])).get(id);
  if (!outcome) throw new Error(`command ${id} was not applied`);
  return { id, ...outcome };
}

/** As `run`, with the ledger's clock at `at` (journal rows and settings versions carry it): tests that simulate months. */
export async function runAt(em: EntityManager, at: string | Date, type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) {
  const id = await insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });
  const outcome = (await applyCommands(em, [id], { now: () => new Date(at) })).get(id);
  if (!outcome) throw new Error(`command ${id} was not applied`);
  return { id, ...outcome };
}

/** A whole settings body (PUT /api/settings takes every top-level part): the defaults, with `parts` over them. */
export const settingsWith = (parts: Record<string, unknown> = {}) => ({ timeZone: 'UTC', limits: {}, approvals: null, ...parts });

/** A tenant with the usual cast (tenantWithStaff), its pool funded by a platform admin's allocation. */
export async function fundedTenant(em: EntityManager, pool = '1000.00') {
  const staff = await insertTenantWithStaff(em);
  const admin = await insertUser(em, 'platform_admin', null);
  await run(em, 'allocate', admin, { tenantId: staff.tenantId, amount: pool, currency: 'USD', referenceNote: 'initial' });
  return { ...staff, admin };
}

/** The operators' accounting check (invariant 2), one row per tenant. */
export async function accountingCheck(em: EntityManager) {
  return em.fork().execute<{ tenant_id: string; balanced: boolean; net_allocated: string; held: string }[]>(sql('accounting-check.sql'));
}

/** The operators' journal check (invariant 3): one row per problem found. */
export async function journalProblems(em: EntityManager) {
  return em.fork().execute<{ account_type: string; problem: string }[]>(sql('journal-check.sql'));
}

/** Invariants 2 and 3 hold: every tenant balances (allocated = pool + department pools + lead budgets + wallets), every journal chain is intact. */
export async function expectBooksBalanced(em: EntityManager): Promise<void> {
  expect((await accountingCheck(em)).filter((row) => !row.balanced)).toEqual([]);
  expect(await journalProblems(em)).toEqual([]);
}

export async function commandRow(em: EntityManager, id: string) {
  const [row] = await em.fork().execute<{ status: string; result: unknown; error: unknown }[]>('SELECT status, result, error FROM commands WHERE id = ?', [id]);
  return row;
}

/**
 * A database of the test file's own, handed to `use` before the tests; after
 * them the books must balance (invariants 2 and 3), then it is dropped.
 */
export function ledgerDatabase(use: (em: EntityManager) => void): void {
  let drop: () => Promise<void>;
  let em: EntityManager;
  beforeAll(async () => {
    const db = await createTestDatabase();
    em = db.orm.em as EntityManager;
    drop = () => db.drop();
    use(em);
  });
  afterAll(async () => {
    await expectBooksBalanced(em);
    await drop();
  });
}
