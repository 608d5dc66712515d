import { EntityManager } from '@mikro-orm/postgresql';
import { Role, isManager, toCents } from '@points/contracts';
import { bulkHoldRecipients, defaultSettingsOf, idList, lotRemainders, lockBulkRecipientWallets, lockSchedules, readBulkReversalFacts, pendingHolds, readScheduleTenants, readReversals, readReversibleCommands, readHoldDecisions, readHolds, readSettingsVersions, seedAndLockTallies, seedBulkRecipientTallies, tallyKeyString } from '@points/db';
import { recipientTallies, tallyKeysFor } from '../limits/spend-limits';
import { AccountKeys } from './account-keys';
import { lockBulkAwardWallets, readBulkAwardFacts } from './bulk-award-facts';
import { LedgerState, UserRow, emptyLedgerState, settingsKey } from './ledger-state';

/**
 * Reads the users and locks every account a batch may touch, always in the
 * same order — tenants, then schedules, then the users whose department changes, then departments, then lead budgets, then wallets, each sorted by id — so
 * two ledger transactions never wait on each other in a cycle. The locks are
 * FOR NO KEY UPDATE: they keep other balance changes out but let through the
 * foreign-key checks of rows that merely reference an account (a new command
 * naming its tenant, a feed entry naming a user).
 *
 * Then the tenants' settings (read with their pools locked, so a settings change
 * sees the version it follows), and last the spend tallies the limits count
 * gifts in, seeded from the journal where new and locked.
 *
 * Lists travel as one JSON parameter, so a batch of any size costs the same few
 * round-trips. `at` is the ledger's clock: the periods tallies count in.
 */
export async function loadLedgerState(tx: EntityManager, keys: AccountKeys, at: Date): Promise<LedgerState> {
  const state = emptyLedgerState();
  await readHoldsToDecide(tx, keys, state);
  await readCommandsToReverse(tx, keys, state);
  // A schedule's tenant never changes: read first, so its pool is locked before the schedule.
  for (const tenantId of (await readScheduleTenants(tx, keys.schedules)).values()) keys.tenantIds.push(tenantId);
  const users = await tx.execute<{ id: string; tenant_id: string | null; role: Role; active: boolean; email: string; display_name: string; department_id: string | null }[]>(
    `SELECT id, tenant_id, role, active, email, display_name, department_id FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [idList(keys.userIds)],
  );
  for (const user of users) {
    state.users.set(user.id, {
      id: user.id,
      tenantId: user.tenant_id,
      role: user.role,
      active: user.active,
      email: user.email,
      displayName: user.display_name,
      departmentId: user.department_id,
    });
  }
  const { tenantIds, leadBudgetUserIds } = withSources(keys, state);

  const tenants = await tx.execute<{ id: string; balance: string; held: string; version: string }[]>(
    `SELECT id, points_allocation_balance AS balance, points_held AS held, pool_version AS version FROM tenants
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [idList(tenantIds)],
  );
  for (const t of tenants) state.pools.set(t.id, { tenantId: t.id, balance: toCents(t.balance), held: toCents(t.held), version: BigInt(t.version) });
  for (const schedule of await lockSchedules(tx, keys.schedules)) state.schedules.set(schedule.id, schedule);

  await loadDepartments(tx, keys, state);

  const budgets = await tx.execute<{ id: string; user_id: string; tenant_id: string; balance: string; held: string; version: string }[]>(
    `SELECT id, user_id, tenant_id, balance, held, version FROM lead_budgets
      WHERE user_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
      ORDER BY id FOR NO KEY UPDATE`,
    [idList(leadBudgetUserIds)],
  );
  for (const b of budgets) state.leadBudgets.set(b.user_id, { id: b.id, userId: b.user_id, tenantId: b.tenant_id, balance: toCents(b.balance), held: toCents(b.held), version: BigInt(b.version) });

  await loadSettings(tx, keys, state);

  if (keys.bulkAwards.length > 0) {
    // Its recipients' wallets, in one statement of their own (sorted by id): applyCommands gives a bulk award a transaction of its own.
    if (keys.walletUserIds.length > 0 || keys.bulkAwards.length > 1) throw new Error('a bulk award is applied in a transaction of its own');
    const [bulk] = keys.bulkAwards;
    await lockBulkAwardWallets(tx, bulk.id);
    const settings = state.settings.get(settingsKey(bulk.tenantId, bulk.version)) ?? defaultSettingsOf(bulk.tenantId);
    const recipients = recipientTallies(settings, at);
    if (recipients) await seedBulkRecipientTallies(tx, bulk.id, recipients);
    const recipientCap = recipients && settings.settings.limits.perRecipient ? { ...settings.settings.limits.perRecipient, tallies: recipients } : null;
    const limits = { perAward: settings.settings.limits.perAward, approvalThreshold: settings.settings.approvals?.threshold ?? null, perRecipient: recipientCap };
    state.bulkAwards.set(bulk.id, await readBulkAwardFacts(tx, bulk.id, limits));
  }
  if (keys.bulkReversals.length > 0) {
    // As a bulk award: its recipients' wallets in one statement, in a transaction of its own.
    if (keys.walletUserIds.length > 0 || keys.bulkReversals.length > 1 || keys.bulkAwards.length > 0) throw new Error('a bulk award is reversed in a transaction of its own');
    const [bulkId] = keys.bulkReversals;
    await lockBulkRecipientWallets(tx, bulkId);
    const facts = await readBulkReversalFacts(tx, bulkId);
    state.bulkReversals.set(bulkId, { recipients: facts.recipients, total: toCents(facts.total), short: facts.short });
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

  await loadTallies(tx, keys, state, at);
  // Every decider of a hold locks its source first, so the decisions read now are all there are.
  const decisions = await readHoldDecisions(tx, [...state.holds.keys()]);
  for (const [id, hold] of state.holds) hold.decision = decisions.get(id) ?? null;
  // Every reversal locks the accounts its command moved first, so the reversals read now are all there are.
  const reversals = await readReversals(tx, [...state.reversibles.keys()]);
  for (const [id, reversible] of state.reversibles) reversible.reversal = reversals.get(id) ?? null;
  // What is left of each credit a reversal takes back (part of it may have expired), read with its wallet locked.
  const lots = [...state.reversibles.values()].flatMap((r) => r.moves.filter((move) => move.account === 'wallet').map((move) => ({ walletId: move.accountId, referenceType: move.referenceType, referenceId: move.referenceId })));
  for (const [key, remaining] of await lotRemainders(tx, lots)) state.lotRemainders.set(key, toCents(remaining));

  if (keys.emails.length > 0) {
    const taken = await tx.execute<{ email: string }[]>(`SELECT lower(email) AS email FROM users WHERE lower(email) IN (SELECT jsonb_array_elements_text(?::jsonb))`, [idList(keys.emails)]);
    for (const row of taken) state.takenEmails.add(row.email);
  }
  return state;
}

/**
 * The department pools the batch spends or changes, locked after the tenant
 * pools. A change of membership first locks the user's row (nothing else locks
 * users) and reads where the user is from it, so the department left is locked
 * with the one joined; then the memberships of the batch's other users are read
 * again, now that their departments are locked. Last, the trees of tenants whose
 * structure changes, and names folded as the database folds them (the unique
 * index is on lower(name)).
 */
async function loadDepartments(tx: EntityManager, keys: AccountKeys, state: LedgerState): Promise<void> {
  const wanted = [...keys.departments];
  if (keys.departmentMembers.length > 0) {
    const members = await tx.execute<{ id: string; tenant_id: string | null; department_id: string | null }[]>(
      `SELECT id, tenant_id, department_id FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) ORDER BY id FOR NO KEY UPDATE`,
      [idList(keys.departmentMembers.map((member) => member.userId))],
    );
    for (const member of members) {
      const user = state.users.get(member.id);
      if (user) user.departmentId = member.department_id;
      // Only a user of the command's tenant: another tenant's user is NOT_FOUND to the rule, and its department is not locked.
      const ofCommandTenant = keys.departmentMembers.some((entry) => entry.userId === member.id && entry.tenantId === member.tenant_id);
      if (member.department_id && member.tenant_id && ofCommandTenant) wanted.push({ id: member.department_id, tenantId: member.tenant_id });
    }
  }
  if (wanted.length > 0) {
    const unique = [...new Map(wanted.map((entry) => [`${entry.id}:${entry.tenantId}`, entry])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rows = await tx.execute<{ id: string; tenant_id: string; name: string; parent_id: string | null; head_id: string | null; balance: string; held: string; version: string }[]>(
      `SELECT id, tenant_id, name, parent_id, head_id, balance, held, version FROM departments
        WHERE (id, tenant_id) IN (SELECT (e->>'id')::uuid, (e->>'tenantId')::uuid FROM jsonb_array_elements(?::jsonb) AS e)
        ORDER BY id FOR NO KEY UPDATE`,
      [JSON.stringify(unique)],
    );
    for (const d of rows) {
      state.departments.set(d.id, {
        id: d.id,
        tenantId: d.tenant_id,
        name: d.name,
        parentId: d.parent_id,
        headId: d.head_id,
        balance: toCents(d.balance),
        held: toCents(d.held),
        version: BigInt(d.version),
      });
    }
    const locked = new Set(keys.departmentMembers.map((member) => member.userId));
    const others = [...state.users.keys()].filter((id) => !locked.has(id));
    const members = await tx.execute<{ id: string; department_id: string | null }[]>(`SELECT id, department_id FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [
      idList(others),
    ]);
    for (const member of members) (state.users.get(member.id) as UserRow).departmentId = member.department_id;
  }
  if (keys.departmentTrees.length > 0) {
    const nodes = await tx.execute<{ id: string; tenant_id: string; name: string; folded: string; parent_id: string | null }[]>(
      `SELECT id, tenant_id, name, lower(name) AS folded, parent_id FROM departments WHERE tenant_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
      [idList(keys.departmentTrees)],
    );
    for (const tenantId of keys.departmentTrees) state.departmentTrees.set(tenantId, new Map());
    for (const node of nodes) state.departmentTrees.get(node.tenant_id)?.set(node.id, { name: node.name, folded: node.folded, parentId: node.parent_id });
  }
  if (keys.departmentNames.length > 0) {
    const names = await tx.execute<{ name: string; folded: string }[]>(`SELECT name, lower(name) AS folded FROM jsonb_array_elements_text(?::jsonb) AS name`, [JSON.stringify([...new Set(keys.departmentNames)])]);
    for (const { name, folded } of names) state.foldedNames.set(name, folded);
  }
}

/** The commands the batch reverses, and what reversing them locks: every account they moved, and their giver and recipient. */
async function readCommandsToReverse(tx: EntityManager, keys: AccountKeys, state: LedgerState): Promise<void> {
  const commands = await readReversibleCommands(tx, keys.reversals.map((entry) => entry.id));
  // A bulk award reversed already stays reversed (`reversals` is append-only): a repeat answers with the first without locking its recipients.
  const bulkIds = [...commands.values()].filter((command) => command.type === 'bulk_award').map((command) => command.id);
  const reversedBulks = await readReversals(tx, bulkIds);
  for (const entry of keys.reversals) {
    const command = commands.get(entry.id);
    // Another tenant's command, or one no reversal applies to (a delegation), is locked nothing for: the rule refuses it.
    if (!command || command.tenantId !== entry.tenantId) continue;
    state.reversibles.set(command.id, { ...command, reversal: null });
    if (!isReversible(command)) continue;
    if (command.type === 'allocate') {
      // An allocation moved one tenant's pool: its own, locked here (its command is a platform admin's, of no tenant).
      for (const move of command.moves) if (move.account === 'pool') keys.tenantIds.push(move.accountId);
      continue;
    }
    if (!entry.tenantId) continue;
    keys.userIds.push(command.issuerId, ...(command.recipientId ? [command.recipientId] : []));
    if (command.type === 'bulk_award' && !reversedBulks.has(command.id)) keys.bulkReversals.push(command.id);
    // The recipient's wallet is locked even when nothing moved (a 0-point kudos): every reversal of it waits on the same lock.
    if (command.recipientId) keys.walletUserIds.push(command.recipientId);
    for (const move of command.moves) {
      if (move.account === 'pool') keys.tenantIds.push(move.accountId);
      else if (move.account === 'department') keys.departments.push({ id: move.accountId, tenantId: entry.tenantId });
      else if (move.account === 'lead_budget') keys.leadBudgetUserIds.push(command.issuerId);
      else if (move.ownerId) keys.walletUserIds.push(move.ownerId);
    }
  }
}

/** An award, recognition, bulk award or allocation that succeeded: what a reversal may apply to (the rules say why anything else is refused). */
const isReversible = (command: { type: string; status: string | null }) => command.status === 'succeeded' && ['award', 'recognition', 'bulk_award', 'allocate'].includes(command.type);

/** The holds the batch decides, and what deciding them locks: the source they hold on; for an approval, the recipient's wallet (a bulk award's: every row's) and the gift's tallies too. */
async function readHoldsToDecide(tx: EntityManager, keys: AccountKeys, state: LedgerState): Promise<void> {
  const holds = new Map((await readHolds(tx, keys.holds.map((entry) => entry.id))).map((hold) => [hold.id, hold]));
  const bulkDeciders = keys.holds.filter((entry) => holds.get(entry.id)?.kind === 'bulk_award').map((entry) => ({ holdId: entry.id, userId: entry.deciderId }));
  state.holdRecipientDeciders = await bulkHoldRecipients(tx, bulkDeciders);
  for (const entry of keys.holds) {
    const hold = holds.get(entry.id);
    // Another tenant's hold is locked nothing for (the rule answers NOT_FOUND to that tenant's command).
    if (!hold || hold.tenantId !== entry.tenantId) continue;
    if (!state.holds.has(hold.id)) state.holds.set(hold.id, { ...hold, decision: null });
    keys.userIds.push(hold.giverId, ...(hold.recipientId ? [hold.recipientId] : []));
    if (hold.sourceType === 'tenant_pool') keys.tenantIds.push(hold.tenantId);
    else if (hold.departmentId) keys.departments.push({ id: hold.departmentId, tenantId: hold.tenantId });
    else keys.leadBudgetUserIds.push(hold.giverId);
    if (!entry.approving) continue;
    keys.gifts.push({ tenantId: hold.tenantId, version: entry.version, giverId: hold.giverId, recipientId: hold.recipientId });
    // A bulk award's rows are checked again and its recipients' wallets locked, as when it was posted at once.
    if (hold.kind === 'bulk_award') keys.bulkAwards.push({ id: hold.id, tenantId: hold.tenantId, version: entry.version });
    else if (hold.recipientId) keys.walletUserIds.push(hold.recipientId);
  }
}

async function loadSettings(tx: EntityManager, keys: AccountKeys, state: LedgerState): Promise<void> {
  const wanted = keys.settings.filter((entry) => entry.version > 0);
  const { versions, latest } = await readSettingsVersions(tx, wanted, keys.settings.map((entry) => entry.tenantId));
  for (const version of versions) state.settings.set(settingsKey(version.tenantId, version.version), version);
  for (const entry of keys.settings) if (entry.version === 0) state.settings.set(settingsKey(entry.tenantId, 0), defaultSettingsOf(entry.tenantId));
  for (const [tenantId, version] of latest) state.latestSettings.set(tenantId, version);
}

/**
 * The tallies of gifts between members of the tenant (a gift to anyone else is
 * refused before any limit is looked at): those of the settings each gift is
 * judged by, and those of the tenant's latest settings, which every gift counts
 * in. A tally of an earlier epoch is counted afresh from the journal.
 */
async function loadTallies(tx: EntityManager, keys: AccountKeys, state: LedgerState, at: Date): Promise<void> {
  const tallyKeys = keys.gifts.flatMap((gift) => {
    const settings = state.settings.get(settingsKey(gift.tenantId, gift.version));
    if (!settings) return [];
    if (gift.recipientId !== null) {
      const recipient = state.users.get(gift.recipientId);
      if (!recipient?.active || recipient.tenantId !== gift.tenantId || gift.recipientId === gift.giverId) return [];
    }
    const latest = state.latestSettings.get(gift.tenantId);
    const counting = latest && latest.tallyEpoch !== settings.tallyEpoch ? [settings, latest] : [settings];
    return counting.flatMap((version) => tallyKeysFor(gift, version, at).map((key) => ({ ...key, recount: latest !== undefined && key.epoch !== latest.tallyEpoch })));
  });
  const unique = [...new Map(tallyKeys.map((key) => [tallyKeyString(key), key])).values()];
  const rows = await seedAndLockTallies(tx, unique);
  const keysOf = rows.map((row) => ({ tenantId: row.tenantId, epoch: row.epoch, scope: row.scope, userId: row.userId, counterpartId: row.counterpartId, periodStart: row.periodStart, periodEnd: row.periodEnd }));
  // Holds are made and decided only with the giver's source and the recipient's wallet locked, as these are now.
  const personal = keysOf.filter((key) => key.scope !== 'pair');
  const pending = new Map((await pendingHolds(tx, personal, [...state.holds.keys()])).map((amount, i) => [tallyKeyString(personal[i]), toCents(amount)]));
  rows.forEach((row, i) => {
    const id = tallyKeyString(keysOf[i]);
    state.tallies.set(id, { key: keysOf[i], amount: toCents(row.amount), awards: row.awards, pending: pending.get(id) ?? 0n });
  });
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

