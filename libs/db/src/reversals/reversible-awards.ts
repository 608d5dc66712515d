import { EntityManager } from '@mikro-orm/postgresql';
import { dateOf } from '../entities/iso-timestamp.type';
import { IDS, idList } from '../id-list';
import { bulkRowsShort } from '../expiry/wallet-lots';

// What a reversal reads of the command it reverses: the command as accepted and
// decided, and every balance change it made (its rows in the four account
// journals). All of it is history, never changed, so it is read without a lock;
// whether it was reversed already is read once the accounts it moved are locked.

/** One account's change by a command, as its journal row says. */
export interface AccountMove {
  account: 'pool' | 'department' | 'lead_budget' | 'wallet';
  accountId: string;
  /** The wallet's owner, for a wallet. */
  ownerId: string | null;
  /** Signed decimal string. */
  amount: string;
  /** What the row points at (the award's command, or the recognition). */
  referenceType: string;
  referenceId: string;
}

export interface ReversibleCommand {
  id: string;
  type: string;
  tenantId: string | null;
  issuerId: string;
  acceptedAt: Date;
  status: string | null;
  /** The recipient the payload named (an award's userId, a recognition's recipientId), lower-cased. */
  recipientId: string | null;
  moves: AccountMove[];
}


export async function readReversibleCommands(tx: EntityManager, ids: string[]): Promise<Map<string, ReversibleCommand>> {
  if (ids.length === 0) return new Map();
  const list = idList(ids);
  const commands = await tx.execute<{ id: string; type: string; tenant_id: string | null; issuer_id: string; created_at: string; status: string | null; recipient_id: string | null }[]>(
    `SELECT a.id, a.type, a.tenant_id, a.issuer_id, a.created_at, o.status, lower(coalesce(a.payload->>'userId', a.payload->>'recipientId')) AS recipient_id
       FROM accepted_commands a LEFT JOIN command_outcomes o ON o.command_id = a.id WHERE a.id IN (${IDS})`,
    [list],
  );
  const moves = await tx.execute<{ command_id: string; account: AccountMove['account']; account_id: string; owner_id: string | null; amount: string; reference_type: string; reference_id: string }[]>(
    `SELECT command_id, 'pool' AS account, tenant_id AS account_id, NULL::uuid AS owner_id, amount::text AS amount, reference_type, reference_id FROM pool_ledger WHERE command_id IN (${IDS})
     UNION ALL
     SELECT command_id, 'department', department_id, NULL, amount::text, reference_type, reference_id FROM department_ledger WHERE command_id IN (${IDS})
     UNION ALL
     SELECT command_id, 'lead_budget', lead_budget_id, NULL, amount::text, reference_type, reference_id FROM lead_budget_ledger WHERE command_id IN (${IDS})
     UNION ALL
     SELECT l.command_id, 'wallet', l.wallet_id, w.user_id, l.amount::text, l.reference_type, l.reference_id FROM wallet_ledger l JOIN wallets w ON w.id = l.wallet_id
      WHERE l.command_id IN (${IDS}) AND l.transaction_type <> 'bulk_award'`,
    [list, list, list, list],
  );
  const byCommand = new Map<string, ReversibleCommand>();
  for (const c of commands) {
    byCommand.set(c.id, { id: c.id, type: c.type, tenantId: c.tenant_id, issuerId: c.issuer_id, acceptedAt: dateOf(c.created_at), status: c.status, recipientId: c.recipient_id, moves: [] });
  }
  for (const m of moves) {
    byCommand.get(m.command_id)?.moves.push({ account: m.account, accountId: m.account_id, ownerId: m.owner_id, amount: m.amount, referenceType: m.reference_type, referenceId: m.reference_id });
  }
  return byCommand;
}

/** Reversals of these commands already made: the reversing command and the amount. Read after locking the accounts every reversal locks. */
export async function readReversals(tx: EntityManager, ids: string[]): Promise<Map<string, { commandId: string; amount: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.execute<{ original_command_id: string; command_id: string; amount: string }[]>(
    `SELECT original_command_id, command_id, amount::text AS amount FROM reversals WHERE original_command_id IN (${IDS})`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((row) => [row.original_command_id, { commandId: row.command_id, amount: row.amount }]));
}

/** A reversal, named by its columns. */
export interface NewReversalRow {
  original_command_id: string;
  tenant_id: string;
  command_id: string;
  reversed_by: string;
  reason: string;
  amount: string;
}

/**
 * A bulk award's credits as its reversal needs them: one per recipient's wallet
 * (its journal rows under the bulk award's command, in the thousands, so never
 * read into memory), and how many of those wallets no longer hold all of their
 * row (what remains of its lot: see expiry/wallet-lots.ts).
 * Read with the wallets locked (lockBulkRecipientWallets).
 */
export async function readBulkReversalFacts(tx: EntityManager, bulkId: string): Promise<{ recipients: number; total: string; short: number }> {
  const [row] = await tx.execute<{ recipients: number; total: string }[]>(
    `SELECT count(*)::int AS recipients, coalesce(sum(l.amount), 0)::text AS total FROM wallet_ledger l WHERE l.command_id = ? AND l.transaction_type = 'bulk_award'`,
    [bulkId],
  );
  return { ...row, short: row.recipients === 0 ? 0 : await bulkRowsShort(tx, bulkId) };
}

/** Locks the wallets a bulk award credited, in id order, with one statement (its rows may be purged by now; its journal rows are not). */
export async function lockBulkRecipientWallets(tx: EntityManager, bulkId: string): Promise<void> {
  await tx.execute(
    `SELECT count(*) FROM (
       SELECT 1 FROM wallets WHERE id IN (SELECT wallet_id FROM wallet_ledger WHERE command_id = ? AND transaction_type = 'bulk_award') ORDER BY id FOR NO KEY UPDATE
     ) locked`,
    [bulkId],
  );
}

/** Which of these commands reverse a bulk award (a transaction of its own, as the bulk award had). */
export async function reversesBulkAward(tx: EntityManager, originalIds: string[]): Promise<boolean> {
  if (originalIds.length === 0) return false;
  const [row] = await tx.execute<{ any: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM accepted_commands WHERE id IN (${IDS}) AND type = 'bulk_award') AS any`, [idList(originalIds)]);
  return row.any;
}
