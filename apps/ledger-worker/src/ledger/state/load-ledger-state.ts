import { EntityManager } from '@mikro-orm/postgresql';
import { Role, isManager, toCents } from '@points/contracts';
import { AccountKeys } from './account-keys';
import { lockBulkAwardWallets, readBulkAwardFacts } from './bulk-award-facts';
import { LedgerState, emptyLedgerState } from './ledger-state';

/**
 * Reads the users and locks every account a batch may touch, always in the
 * same order — tenants, then lead budgets, then wallets, each sorted by id — so
 * two ledger transactions never wait on each other in a cycle. The locks are
 * FOR NO KEY UPDATE: they keep other balance changes out but let through the
 * foreign-key checks of rows that merely reference an account (a new command
 * naming its tenant, a feed entry naming a user).
 *
 * Lists travel as one JSON parameter, so a batch of any size costs the same few
 * round-trips.
 */
export async function loadLedgerState(tx: EntityManager, keys: AccountKeys): Promise<LedgerState> {
  const state = emptyLedgerState();
  const users = await tx.execute<{ id: string; tenant_id: string | null; role: Role; active: boolean; email: string; display_name: string }[]>(
    `SELECT id, tenant_id, role, active, email, display_name FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [idList(keys.userIds)],
  );
  for (const user of users) {
    state.users.set(user.id, { id: user.id, tenantId: user.tenant_id, role: user.role, active: user.active, email: user.email, displayName: user.display_name });
  }
  const { tenantIds, leadBudgetUserIds } = withSources(keys, state);

  const tenants = await tx.execute<{ id: string; balance: string; version: string }[]>(
    `SELECT id, points_allocation_balance AS balance, pool_version AS version FROM tenants
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [idList(tenantIds)],
  );
  for (const t of tenants) state.pools.set(t.id, { tenantId: t.id, balance: toCents(t.balance), version: BigInt(t.version) });

  const budgets = await tx.execute<{ id: string; user_id: string; tenant_id: string; balance: string; version: string }[]>(
    `SELECT id, user_id, tenant_id, balance, version FROM lead_budgets
      WHERE user_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [idList(leadBudgetUserIds)],
  );
  for (const b of budgets) state.leadBudgets.set(b.user_id, { id: b.id, userId: b.user_id, tenantId: b.tenant_id, balance: toCents(b.balance), version: BigInt(b.version) });

  if (keys.bulkAwardIds.length > 0) {
    // Its recipients' wallets, in one statement of their own (sorted by id): applyCommands gives a bulk award a transaction of its own.
    if (keys.walletUserIds.length > 0 || keys.bulkAwardIds.length > 1) throw new Error('a bulk award is applied in a transaction of its own');
    const [bulkId] = keys.bulkAwardIds;
    await lockBulkAwardWallets(tx, bulkId);
    state.bulkAwards.set(bulkId, await readBulkAwardFacts(tx, bulkId));
  }

  const wallets = await tx.execute<{ id: string; user_id: string; tenant_id: string; balance: string; lifetime_earned: string; version: string }[]>(
    `SELECT id, user_id, tenant_id, balance, lifetime_earned, version FROM wallets
      WHERE user_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [idList(keys.walletUserIds)],
  );
  for (const w of wallets) {
    state.wallets.set(w.user_id, {
      id: w.id,
      userId: w.user_id,
      tenantId: w.tenant_id,
      balance: toCents(w.balance),
      lifetimeEarned: toCents(w.lifetime_earned),
      version: BigInt(w.version),
    });
  }

  if (keys.emails.length > 0) {
    const taken = await tx.execute<{ email: string }[]>(`SELECT lower(email) AS email FROM users WHERE lower(email) IN (SELECT jsonb_array_elements_text(?::jsonb))`, [idList(keys.emails)]);
    for (const row of taken) state.takenEmails.add(row.email);
  }
  return state;
}

/** A giver's source is their tenant's pool if a manager, their own budget otherwise (none for an unknown giver: the rule rejects). */
function withSources(keys: AccountKeys, state: LedgerState): { tenantIds: string[]; leadBudgetUserIds: string[] } {
  const tenantIds = [...keys.tenantIds];
  const leadBudgetUserIds = [...keys.leadBudgetUserIds];
  for (const owner of keys.sourceOwnerIds.map((id) => state.users.get(id))) {
    if (owner && isManager(owner.role) && owner.tenantId) tenantIds.push(owner.tenantId);
    else if (owner) leadBudgetUserIds.push(owner.id);
  }
  return { tenantIds, leadBudgetUserIds };
}

/** Ids as one JSON parameter, unique and sorted: the order locks are taken in. */
const idList = (values: string[]) => JSON.stringify([...new Set(values)].sort());
