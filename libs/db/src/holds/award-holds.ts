import { EntityManager } from '@mikro-orm/postgresql';
import { dateOf } from '../entities/iso-timestamp.type';
import { IDS, idList } from '../id-list';

// Awards pending approval (Migration20261125010000): the hold, written once by
// the ledger with the points it holds on the source, and its one decision —
// approved, declined or expired. The ledger writes both; the gateway lists them.

export type HoldDecision = 'approved' | 'declined' | 'expired';
/** What a hold's points are held on. */
export type HoldSource = 'tenant_pool' | 'lead_budget' | 'department_pool';

export interface AwardHold {
  id: string;
  tenantId: string;
  /** An award, or a bulk award held whole (no recipient: its rows are its recipients). */
  kind: 'award' | 'bulk_award';
  giverId: string;
  recipientId: string | null;
  sourceType: HoldSource;
  leadBudgetId: string | null;
  departmentId: string | null;
  /** A decimal string. */
  amount: string;
  description: string | null;
  expiresAt: Date;
}

/** A new hold, named by its columns. */
export interface NewHoldRow {
  id: string;
  tenant_id: string;
  kind: 'award' | 'bulk_award';
  giver_id: string;
  recipient_id: string | null;
  source_type: HoldSource;
  lead_budget_id: string | null;
  department_id: string | null;
  amount: string;
  description: string | null;
  expires_at: string;
}

/** A decision, named by its columns (an expiry has no decider and no command). */
export interface NewHoldDecisionRow {
  hold_id: string;
  decision: HoldDecision;
  decided_by: string | null;
  command_id: string | null;
  reason: string | null;
}


/** Holds by id. A hold is never changed, so it is read without a lock; its decision is read once its source is locked. */
export async function readHolds(tx: EntityManager, ids: string[]): Promise<AwardHold[]> {
  if (ids.length === 0) return [];
  const rows = await tx.execute<{ id: string; tenant_id: string; kind: 'award' | 'bulk_award'; giver_id: string; recipient_id: string | null; source_type: HoldSource; lead_budget_id: string | null; department_id: string | null; amount: string; description: string | null; expires_at: string }[]>(
    `SELECT id, tenant_id, kind, giver_id, recipient_id, source_type, lead_budget_id, department_id, amount::text AS amount, description, expires_at FROM award_holds WHERE id IN (${IDS})`,
    [idList(ids)],
  );
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    giverId: row.giver_id,
    recipientId: row.recipient_id,
    sourceType: row.source_type,
    leadBudgetId: row.lead_budget_id,
    departmentId: row.department_id,
    amount: row.amount,
    description: row.description,
    expiresAt: dateOf(row.expires_at),
  }));
}

/** The decisions taken on these holds; read after locking the holds' sources, which every decider locks first. */
export async function readHoldDecisions(tx: EntityManager, ids: string[]): Promise<Map<string, HoldDecision>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.execute<{ hold_id: string; decision: HoldDecision }[]>(`SELECT hold_id, decision FROM award_hold_decisions WHERE hold_id IN (${IDS})`, [JSON.stringify(ids)]);
  return new Map(rows.map((row) => [row.hold_id, row.decision]));
}

/** Undecided holds whose window has ended (the sweep behind the delayed jobs), oldest first. */
export async function overdueHolds(em: EntityManager, now: Date, limit = 500): Promise<string[]> {
  const rows = await em.fork().execute<{ id: string }[]>(
    `SELECT h.id FROM award_holds h WHERE h.expires_at <= ? AND NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id)
      ORDER BY h.expires_at LIMIT ?`,
    [now.toISOString(), limit],
  );
  return rows.map((row) => row.id);
}


/** The deciders among `candidates` who are recipients of a bulk award held whole (who may decide neither their own award nor one that pays them). */
export async function bulkHoldRecipients(tx: EntityManager, candidates: { holdId: string; userId: string }[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await tx.execute<{ hold_id: string; user_id: string }[]>(
    `SELECT i.bulk_award_id AS hold_id, i.user_id FROM bulk_award_items i
       JOIN jsonb_to_recordset(?::jsonb) AS c(hold_id uuid, user_id uuid) ON i.bulk_award_id = c.hold_id AND i.user_id = c.user_id`,
    [JSON.stringify(candidates.map((c) => ({ hold_id: c.holdId, user_id: c.userId })))],
  );
  return new Set(rows.map((row) => `${row.hold_id}:${row.user_id}`));
}
