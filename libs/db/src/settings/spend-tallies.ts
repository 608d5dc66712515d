import { EntityManager } from '@mikro-orm/postgresql';
import { dateOf } from '../entities/iso-timestamp.type';

// Spend tallies (Migration20261125000000): what each person gave and received,
// and each pair exchanged, in one period of one tally epoch. The ledger seeds a
// tally from the journal (distribution_logs) the first time it needs it, locks
// it, checks a limit against it and adds the command's points to it, all in the
// transaction that moves the points.

export type TallyScope = 'giver' | 'recipient' | 'pair';

/** The counterpart of a giver's or a recipient's own tally (a pair's is the recipient). */
export const NO_COUNTERPART = '00000000-0000-0000-0000-000000000000';

export interface TallyKey {
  tenantId: string;
  epoch: number;
  scope: TallyScope;
  userId: string;
  counterpartId: string;
  periodStart: Date;
  periodEnd: Date;
}

export interface TallyRow extends TallyKey {
  /** Points moved in the period, a decimal string. */
  amount: string;
  awards: number;
}

export const tallyKeyString = (key: Omit<TallyKey, 'periodEnd'>): string =>
  `${key.tenantId}|${key.epoch}|${key.scope}|${key.userId}|${key.counterpartId}|${key.periodStart.toISOString()}`;

const keyRecord = (key: TallyKey) => ({
  tenant_id: key.tenantId,
  epoch: key.epoch,
  scope: key.scope,
  user_id: key.userId,
  counterpart_id: key.counterpartId,
  period_start: key.periodStart.toISOString(),
  period_end: key.periodEnd.toISOString(),
});
const keyRecords = (keys: TallyKey[]) => JSON.stringify(keys.map(keyRecord));
const KEY_RECORDSET = `jsonb_to_recordset(?::jsonb) AS k(tenant_id uuid, epoch int, scope text, user_id uuid, counterpart_id uuid, period_start timestamptz, period_end timestamptz)`;
const KEY_COLUMNS = 'tenant_id, epoch, scope, user_id, counterpart_id, period_start';
/** What counts as given or received: awards, recognitions and bulk-award rows (not delegations). */
const GIFTS = `d.transaction_type IN ('award', 'recognition', 'bulk_award')`;

/**
 * Seeds the tallies that do not exist yet from the journal of their period,
 * then locks them all (sorted, after every account the batch locked) and
 * returns them. The caller holds the locks of the accounts whose moves a tally
 * counts, so a seed sees every committed move and none is in flight.
 */
export async function seedAndLockTallies(tx: EntityManager, keys: (TallyKey & { recount?: boolean })[]): Promise<TallyRow[]> {
  if (keys.length === 0) return [];
  const fresh = keys.filter((key) => !key.recount);
  const recounted = keys.filter((key) => key.recount);
  if (fresh.length > 0) await seedTallies(tx, fresh, 'DO NOTHING');
  // A tally of an earlier epoch is not kept up to date by moves judged under later settings: counted afresh from the journal.
  if (recounted.length > 0) await seedTallies(tx, recounted, 'DO UPDATE SET amount = EXCLUDED.amount, awards = EXCLUDED.awards');
  const rows = await tx.execute<{ tenant_id: string; epoch: number; scope: TallyScope; user_id: string; counterpart_id: string; period_start: string; period_end: string; amount: string; awards: number }[]>(
    `SELECT t.${KEY_COLUMNS.split(', ').join(', t.')}, t.period_end, t.amount::text AS amount, t.awards FROM spend_tallies t
      WHERE (${KEY_COLUMNS}) IN (SELECT ${KEY_COLUMNS} FROM ${KEY_RECORDSET})
      ORDER BY ${KEY_COLUMNS} FOR UPDATE`,
    [keyRecords(keys)],
  );
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    epoch: row.epoch,
    scope: row.scope,
    userId: row.user_id,
    counterpartId: row.counterpart_id,
    periodStart: dateOf(row.period_start),
    periodEnd: dateOf(row.period_end),
    amount: row.amount,
    awards: row.awards,
  }));
}

async function seedTallies(tx: EntityManager, keys: TallyKey[], onConflict: 'DO NOTHING' | string): Promise<void> {
  // Only a tally that is not there yet is summed from the journal (a period's journal grows all period); a recount sums every key.
  const missingOnly =
    onConflict === 'DO NOTHING'
      ? `WHERE NOT EXISTS (SELECT 1 FROM spend_tallies t WHERE (t.${KEY_COLUMNS.split(', ').join(', t.')}) = (k.${KEY_COLUMNS.split(', ').join(', k.')}))`
      : '';
  await tx.execute(
    `INSERT INTO spend_tallies (${KEY_COLUMNS}, period_end, amount, awards)
     SELECT k.tenant_id, k.epoch, k.scope, k.user_id, k.counterpart_id, k.period_start, k.period_end,
            coalesce(given.amount, received.amount, 0), coalesce(given.awards, received.awards, 0)
       FROM ${KEY_RECORDSET}
       LEFT JOIN LATERAL (
         SELECT sum(d.amount) AS amount, count(*)::int AS awards FROM distribution_logs d
          WHERE k.scope <> 'recipient' AND d.from_user_id = k.user_id AND d.tenant_id = k.tenant_id AND ${GIFTS}
            AND d.created_at >= k.period_start AND d.created_at < k.period_end
            -- A pair counts exchanges between two people: awards and recognitions, not bulk-award rows.
            AND (k.scope = 'giver' OR (d.to_user_id = k.counterpart_id AND d.transaction_type <> 'bulk_award'))) given ON k.scope <> 'recipient'
       LEFT JOIN LATERAL (
         SELECT sum(d.amount) AS amount, count(*)::int AS awards FROM distribution_logs d
          WHERE k.scope = 'recipient' AND d.to_user_id = k.user_id AND d.tenant_id = k.tenant_id AND ${GIFTS}
            AND d.created_at >= k.period_start AND d.created_at < k.period_end) received ON k.scope = 'recipient'
      ${missingOnly}
      ORDER BY ${KEY_COLUMNS}
     ON CONFLICT (${KEY_COLUMNS}) ${onConflict}`,
    [keyRecords(keys)],
    'run',
  );
}

/**
 * Adds a batch's moves to the tallies that exist: those the batch seeded, and
 * any of the tenant's current epoch another transaction seeded. A tally not
 * there yet will be seeded from the journal, which by then holds these moves.
 */
export async function addToTallies(tx: EntityManager, increments: (TallyKey & { amount: string; awards: number })[]): Promise<void> {
  if (increments.length === 0) return;
  await tx.execute(
    `UPDATE spend_tallies t SET amount = t.amount + v.amount, awards = t.awards + v.awards
       FROM jsonb_to_recordset(?::jsonb) AS v(tenant_id uuid, epoch int, scope text, user_id uuid, counterpart_id uuid, period_start timestamptz, amount numeric, awards int)
      WHERE (t.tenant_id, t.epoch, t.scope, t.user_id, t.counterpart_id, t.period_start) = (v.tenant_id, v.epoch, v.scope, v.user_id, v.counterpart_id, v.period_start)`,
    [JSON.stringify(increments.map((i) => ({ ...keyRecord(i), amount: i.amount, awards: i.awards })))],
    'run',
  );
}

/** A person's tally in a period, for reading (GET /api/me); null when the ledger has not needed it yet. */
export async function readTally(em: EntityManager, key: Omit<TallyKey, 'periodEnd'>): Promise<string | null> {
  const [row] = await em.fork().execute<{ amount: string }[]>(
    `SELECT amount::text AS amount FROM spend_tallies WHERE tenant_id = ? AND epoch = ? AND scope = ? AND user_id = ? AND counterpart_id = ? AND period_start = ?`,
    [key.tenantId, key.epoch, key.scope, key.userId, key.counterpartId, key.periodStart.toISOString()],
  );
  return row?.amount ?? null;
}

/** What the journal says a person gave or received in a period (the seed a tally would start from). */
export async function journalSpend(em: EntityManager, tenantId: string, scope: 'giver' | 'recipient', userId: string, period: { start: Date; end: Date }): Promise<string> {
  const column = scope === 'giver' ? 'from_user_id' : 'to_user_id';
  const [row] = await em.fork().execute<{ amount: string }[]>(
    `SELECT coalesce(sum(d.amount), 0)::text AS amount FROM distribution_logs d
      WHERE d.${column} = ? AND d.tenant_id = ? AND ${GIFTS} AND d.created_at >= ? AND d.created_at < ?`,
    [userId, tenantId, period.start.toISOString(), period.end.toISOString()],
  );
  return row.amount;
}

/** The recipient tallies of one period of one epoch, as a bulk award's rows name them. */
export interface RecipientTallies {
  tenantId: string;
  epoch: number;
  periodStart: Date;
  periodEnd: Date;
}

const recipientKey = (t: RecipientTallies) => [t.tenantId, t.epoch, t.periodStart.toISOString()];

/**
 * Seeds the tallies of a bulk award's recipients that do not exist yet, from the
 * journal of their period, set-based. The caller has locked the recipients'
 * wallets, through which every move a recipient tally counts passes.
 */
export async function seedBulkRecipientTallies(tx: EntityManager, bulkId: string, tallies: RecipientTallies): Promise<void> {
  await tx.execute(
    `INSERT INTO spend_tallies (${KEY_COLUMNS}, period_end, amount, awards)
     SELECT ?::uuid, ?::int, 'recipient', i.user_id, '${NO_COUNTERPART}', ?::timestamptz, ?::timestamptz, coalesce(r.amount, 0), coalesce(r.awards, 0)
       -- Recipients who are active users of the tenant: any other row is refused, and leaves no tally behind.
       FROM (SELECT DISTINCT i.user_id FROM bulk_award_items i JOIN users u ON u.id = i.user_id AND u.tenant_id = ?::uuid AND u.active
              WHERE i.bulk_award_id = ?) i
       LEFT JOIN LATERAL (
         SELECT sum(d.amount) AS amount, count(*)::int AS awards FROM distribution_logs d
          WHERE d.to_user_id = i.user_id AND d.tenant_id = ?::uuid AND ${GIFTS} AND d.created_at >= ?::timestamptz AND d.created_at < ?::timestamptz) r ON true
      WHERE NOT EXISTS (SELECT 1 FROM spend_tallies t WHERE ${BULK_RECIPIENT_TALLY})
      ORDER BY i.user_id
     ON CONFLICT DO NOTHING`,
    [
      ...recipientKey(tallies),
      tallies.periodEnd.toISOString(),
      tallies.tenantId,
      bulkId,
      tallies.tenantId,
      tallies.periodStart.toISOString(),
      tallies.periodEnd.toISOString(),
      ...recipientKey(tallies),
    ],
    'run',
  );
}

/** The SQL condition joining a bulk award item `i` to its recipient's tally `t` (3 parameters: recipientKey). */
export const BULK_RECIPIENT_TALLY = `(t.tenant_id, t.epoch, t.scope, t.user_id, t.counterpart_id, t.period_start) = (?::uuid, ?::int, 'recipient', i.user_id, '${NO_COUNTERPART}'::uuid, ?::timestamptz)`;
export const bulkRecipientTallyParams = recipientKey;

/** Adds each row of a bulk award to its recipient's tally, where that tally exists. */
export async function addBulkToRecipientTallies(tx: EntityManager, bulkId: string, tallies: RecipientTallies): Promise<void> {
  await tx.execute(
    `UPDATE spend_tallies t SET amount = t.amount + i.amount, awards = t.awards + 1
       FROM bulk_award_items i WHERE i.bulk_award_id = ? AND ${BULK_RECIPIENT_TALLY}`,
    [bulkId, ...recipientKey(tallies)],
    'run',
  );
}

/**
 * What awards still pending approval hold for each giver's or recipient's tally
 * period (holds created in it, undecided), leaving out the holds this batch is
 * deciding. A limit counts them as spoken for, so held awards cannot together
 * pass a cap that their approvals would then cross. In `keys` order.
 */
export async function pendingHolds(tx: EntityManager, keys: TallyKey[], deciding: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await tx.execute<{ idx: number; amount: string }[]>(
    `SELECT k.idx, coalesce(sum(h.amount), 0)::text AS amount
       FROM jsonb_to_recordset(?::jsonb) AS k(idx int, tenant_id uuid, scope text, user_id uuid, period_start timestamptz, period_end timestamptz)
       LEFT JOIN award_holds h
         ON h.tenant_id = k.tenant_id AND h.created_at >= k.period_start AND h.created_at < k.period_end
        AND ((k.scope = 'giver' AND h.giver_id = k.user_id) OR (k.scope = 'recipient' AND h.recipient_id = k.user_id))
        AND h.id NOT IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
        AND NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id)
      GROUP BY k.idx ORDER BY k.idx`,
    [
      JSON.stringify(keys.map((key, idx) => ({ idx, ...keyRecord(key) }))),
      JSON.stringify(deciding),
    ],
  );
  return rows.map((row) => row.amount);
}
