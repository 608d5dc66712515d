import { EntityManager } from '@mikro-orm/postgresql';
import { ExpiryRule, TenantSettings } from '@points/contracts';
import { idList } from '../id-list';

// A wallet's points as lots, read from its journal alone: each credit (an award,
// a recognition, a bulk award's row), net of its reversal (the reversal's rows
// point at what the credit's rows point at), earned when it was credited.
// Expiry consumes lots first-in-first-out, so what the wallet has expired so far
// (its `expiry` rows) is always the oldest lots' points: a lot's remaining
// points are what of it lies beyond the expired total in earning order. A lot
// expires at the end of the month it turns `walletMonths` months old, in the
// tenant's time zone — so lots expire in earning order too, and the lots that
// have matured by a moment are always the oldest ones.

/** A tenant's expiry policy, the zone its months are read in, and the first moment it may expire anything. */
export interface ExpiryPolicy extends ExpiryRule {
  tenantId: string;
  timeZone: string;
  /**
   * Nothing expires before the policy (as it stands) has been in force for
   * `noticeDays`: switching expiry on, or shortening it, never expires a point
   * at once and without notice.
   */
  notBefore: Date;
}

/** The tenants with an expiry policy in their latest settings (all, or those named), each in force since the first version with that policy. */
export async function expiryPolicies(em: EntityManager, tenantIds?: string[]): Promise<ExpiryPolicy[]> {
  return (await latestPolicies(em, 'expiry', tenantIds)).flatMap(({ tenantId, settings, since }) => {
    const expiry = settings.expiry;
    if (!expiry) return [];
    return [{ tenantId, timeZone: settings.timeZone ?? 'UTC', ...expiry, notBefore: new Date(since.getTime() + expiry.noticeDays * 86_400_000) }];
  });
}

/**
 * What restarts a policy's clock when it changes: for expiry, switching it on,
 * its months or the zone (an expiry moment may come sooner); for budget
 * returns, the rule or the zone (a period may end sooner). Changing anything
 * else — a limit, the notice days, the reversal policy — does not.
 */
const FINGERPRINT = {
  expiry: `jsonb_build_array(s.settings->'expiry'->'walletMonths', s.settings->'timeZone')`,
  budgetReturn: `jsonb_build_array(s.settings->'budgetReturn', s.settings->'timeZone')`,
} as const;

/**
 * The tenants whose latest settings have a `part` (all, or those named), with
 * the moment that part took its present form: the first of the trailing
 * versions with the same fingerprint (FINGERPRINT).
 */
export async function latestPolicies(em: EntityManager, part: keyof typeof FINGERPRINT, tenantIds?: string[]): Promise<{ tenantId: string; settings: TenantSettings; since: Date }[]> {
  const fingerprint = (alias: string) => FINGERPRINT[part].replaceAll('s.settings', `${alias}.settings`);
  const rows = await em.execute<{ tenant_id: string; settings: TenantSettings; since: string }[]>(
    `WITH latest AS (
       SELECT DISTINCT ON (tenant_id) tenant_id, version, settings FROM tenant_settings
        WHERE (?::jsonb IS NULL OR tenant_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid))
        ORDER BY tenant_id, version DESC
     )
     SELECT l.tenant_id, l.settings,
            (SELECT min(s.created_at) FROM tenant_settings s
              WHERE s.tenant_id = l.tenant_id
                AND s.version > coalesce((SELECT max(d.version) FROM tenant_settings d WHERE d.tenant_id = l.tenant_id AND ${fingerprint('d')} IS DISTINCT FROM ${fingerprint('l')}), 0)) AS since
       FROM latest l
      WHERE l.settings->?::text IS NOT NULL AND l.settings->?::text <> 'null'::jsonb`,
    [tenantIds ? idList(tenantIds) : null, tenantIds ? idList(tenantIds) : null, part, part],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, settings: row.settings, since: new Date(row.since) }));
}

/**
 * When a lot earned at `earned` expires: 00:00 on the 1st of the month after it
 * turns `months` months old, in `zone` — and not before the policy's
 * `notBefore`. Parameters: months, zone, zone, notBefore.
 */
const lotParams = (policy: Pick<ExpiryPolicy, 'timeZone' | 'walletMonths' | 'notBefore'>) => [policy.timeZone, policy.walletMonths, policy.timeZone, policy.notBefore.toISOString()];
const EXPIRES_AT = (earned: string) => `greatest((date_trunc('month', ${earned} AT TIME ZONE ?::text) + make_interval(months => ?::int + 1)) AT TIME ZONE ?::text, ?::timestamptz)`;

/**
 * The wallets' lots with what remains of each, in earning order, and when each
 * expires. `wallets` is a SQL condition on `l.wallet_id` taking one parameter;
 * then the policy's zone, months, zone and notBefore (lotParams).
 */
function lotsSql(wallets: string): string {
  return `
    WITH lots AS (
      SELECT l.wallet_id, l.reference_type, l.reference_id, sum(l.amount) AS amount, min(l.created_at) FILTER (WHERE l.amount > 0) AS earned_at
        FROM wallet_ledger l
       WHERE ${wallets} AND l.transaction_type <> 'expiry'
       GROUP BY l.wallet_id, l.reference_type, l.reference_id
      HAVING sum(l.amount) > 0
    ), expired AS (
      SELECT l.wallet_id, -sum(l.amount) AS amount FROM wallet_ledger l WHERE ${wallets} AND l.transaction_type = 'expiry' GROUP BY l.wallet_id
    ), ordered AS (
      SELECT lots.*, sum(lots.amount) OVER (PARTITION BY lots.wallet_id ORDER BY lots.earned_at, lots.reference_type, lots.reference_id) AS through
        FROM lots
    )
    SELECT o.wallet_id, o.reference_type, o.reference_id, o.amount, o.earned_at,
           greatest(0, least(o.amount, o.through - coalesce(e.amount, 0))) AS remaining,
           ${EXPIRES_AT('o.earned_at')} AS expires_at
      FROM ordered o LEFT JOIN expired e USING (wallet_id)`;
}

/** Wallets as a PostgreSQL array literal: `= ANY(?::uuid[])` lets the planner walk the journal's (wallet, version) index. */
const walletArray = (ids: readonly string[]) => `{${[...new Set(ids)].sort().join(',')}}`;
const ofTenant = `l.wallet_id = ANY(ARRAY(SELECT id FROM wallets WHERE tenant_id = ?::uuid))`;
const ofWallets = `l.wallet_id = ANY(?::uuid[])`;

/**
 * What each wallet has matured and not yet expired by `at`: its lots that have
 * expired by then, less what it has expired so far (the matured lots are the
 * oldest, and expiry took the oldest points first, so this is what remains of
 * them). Of every wallet of the tenants given — one pass over their journals —
 * or of the wallets named (to decide again once they are locked: the journal's
 * index). Ordered by tenant, then wallet.
 */
export async function dueExpiries(em: EntityManager, policies: ExpiryPolicy[], at: Date, walletIds?: string[]): Promise<{ tenantId: string; walletId: string; due: string }[]> {
  if (policies.length === 0) return [];
  const policy = JSON.stringify(policies.map((p) => ({ tenant_id: p.tenantId, zone: p.timeZone, months: p.walletMonths, not_before: p.notBefore.toISOString() })));
  const wallets = walletIds ? `AND l.wallet_id = ANY(?::uuid[])` : '';
  const walletParams = walletIds ? [walletArray(walletIds)] : [];
  return em.execute(
    `WITH policy AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS p(tenant_id uuid, zone text, months int, not_before timestamptz)),
     lots AS (
       SELECT l.tenant_id, l.wallet_id, sum(l.amount) AS amount, min(l.created_at) FILTER (WHERE l.amount > 0) AS earned_at
         FROM wallet_ledger l
        WHERE l.tenant_id IN (SELECT tenant_id FROM policy) AND l.transaction_type <> 'expiry' ${wallets}
        GROUP BY l.tenant_id, l.wallet_id, l.reference_type, l.reference_id
       HAVING sum(l.amount) > 0
     ), matured AS (
       SELECT lots.tenant_id, lots.wallet_id, sum(lots.amount) AS amount
         FROM lots JOIN policy p USING (tenant_id)
        WHERE greatest((date_trunc('month', lots.earned_at AT TIME ZONE p.zone) + make_interval(months => p.months + 1)) AT TIME ZONE p.zone, p.not_before) <= ?::timestamptz
        GROUP BY lots.tenant_id, lots.wallet_id
     ), expired AS (
       SELECT l.wallet_id, -sum(l.amount) AS amount FROM wallet_ledger l
        WHERE l.tenant_id IN (SELECT tenant_id FROM policy) AND l.transaction_type = 'expiry' ${wallets}
        GROUP BY l.wallet_id
     )
     SELECT m.tenant_id AS "tenantId", m.wallet_id AS "walletId", (m.amount - coalesce(e.amount, 0))::text AS due
       FROM matured m LEFT JOIN expired e USING (wallet_id)
      WHERE m.amount > coalesce(e.amount, 0)
      ORDER BY m.tenant_id, m.wallet_id`,
    [policy, ...walletParams, at.toISOString(), ...walletParams],
  );
}

/** What a lot has left does not depend on when lots expire: any policy computes it. */
const ANY_POLICY = { timeZone: 'UTC', walletMonths: 1, notBefore: new Date(0) };

/** What remains of given lots (a wallet's credit under one reference), for a reversal; a lot absent from the map has nothing left. Keyed by `lotKey`. */
export async function lotRemainders(em: EntityManager, lots: { walletId: string; referenceType: string; referenceId: string }[]): Promise<Map<string, string>> {
  const policy = ANY_POLICY;
  if (lots.length === 0) return new Map();
  const rows = await em.execute<{ wallet_id: string; reference_type: string; reference_id: string; remaining: string }[]>(
    `SELECT wallet_id, reference_type, reference_id, remaining::text FROM (${lotsSql(ofWallets)}) lot
      WHERE (wallet_id, reference_type, reference_id) IN (SELECT (e->>'walletId')::uuid, e->>'referenceType', (e->>'referenceId')::uuid FROM jsonb_array_elements(?::jsonb) e)`,
    [walletArray(lots.map((lot) => lot.walletId)), walletArray(lots.map((lot) => lot.walletId)), ...lotParams(policy), JSON.stringify(lots)],
  );
  return new Map(rows.map((row) => [lotKey({ walletId: row.wallet_id, referenceType: row.reference_type, referenceId: row.reference_id }), row.remaining]));
}

export const lotKey = (lot: { walletId: string; referenceType: string; referenceId: string }) => `${lot.walletId}:${lot.referenceType}:${lot.referenceId}`;

/**
 * Of the bulk award's credits, how many wallets no longer hold all of their row
 * (part of it expired, or the wallet holds less): with the wallets locked, for its reversal.
 */
export async function bulkRowsShort(em: EntityManager, bulkId: string): Promise<number> {
  const policy = ANY_POLICY;
  const [row] = await em.execute<{ short: number }[]>(
    `SELECT count(*)::int AS short FROM (${lotsSql(`l.wallet_id = ANY(ARRAY(SELECT wallet_id FROM wallet_ledger WHERE command_id = ?::uuid AND transaction_type = 'bulk_award'))`)}) lot
      WHERE reference_type = 'bulk_award' AND reference_id = ?::uuid AND remaining < amount`,
    [bulkId, bulkId, ...lotParams(policy), bulkId],
  );
  return row.short;
}

/** A wallet's points that will expire (or are due to), soonest first, by the moment they expire: the next `limit` moments. */
export async function walletExpiries(em: EntityManager, walletId: string, policy: Pick<ExpiryPolicy, 'timeZone' | 'walletMonths' | 'notBefore'>, limit = 3): Promise<{ amount: string; expiresAt: string; lastDay: string }[]> {
  return em.execute(
    `SELECT sum(remaining)::text AS amount, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "expiresAt",
            to_char((expires_at AT TIME ZONE ?::text) - interval '1 day', 'YYYY-MM-DD') AS "lastDay"
       FROM (${lotsSql(ofWallets)}) lot
      WHERE remaining > 0
      GROUP BY expires_at ORDER BY expires_at LIMIT ?`,
    [policy.timeZone, walletArray([walletId]), walletArray([walletId]), ...lotParams(policy), limit],
  );
}

/**
 * Notices of points about to expire: for each wallet of the tenant and each
 * moment within `noticeDays` after `at` its points expire, one audit row
 * (`points.expiring`, "120.00 points expire on 31 March 2027"). Keyed by wallet
 * and moment (the event id derives from them), so a notice is written once
 * however often this runs. Returns how many were written.
 */
export async function writeExpiryNotices(em: EntityManager, policy: ExpiryPolicy, at: Date): Promise<number> {
  if (policy.noticeDays === 0) return 0;
  const rows = await em.execute<{ n: number }[]>(
    `WITH upcoming AS (
       SELECT wallet_id, expires_at, sum(remaining) AS amount FROM (${lotsSql(ofTenant)}) lot
        WHERE remaining > 0 AND expires_at > ?::timestamptz AND expires_at <= ?::timestamptz + make_interval(days => ?::int)
        GROUP BY wallet_id, expires_at
     ), written AS (
       INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, created_at)
       SELECT gen_random_uuid(), md5('expiry-notice:' || u.wallet_id || ':' || extract(epoch FROM u.expires_at))::uuid, w.tenant_id, NULL, 'points.expiring', 'wallet', w.user_id, NULL,
              jsonb_build_object(
                'amount', u.amount::text,
                'expiresAt', u.expires_at,
                'message', u.amount::text || ' points expire on ' || to_char((u.expires_at AT TIME ZONE ?::text) - interval '1 day', 'FMDD FMMonth YYYY')),
              ?::timestamptz
         FROM upcoming u JOIN wallets w ON w.id = u.wallet_id
       ON CONFLICT (event_id) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM written`,
    [policy.tenantId, policy.tenantId, ...lotParams(policy), at.toISOString(), at.toISOString(), policy.noticeDays, policy.timeZone, at.toISOString()],
  );
  return rows[0].n;
}
