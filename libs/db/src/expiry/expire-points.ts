import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { fromCents, toCents } from '@points/contracts';
import { databaseNow } from '../entities/iso-timestamp.type';
import { idList } from '../id-list';
import { ExpiryPolicy, dueExpiries, expiryPolicies, writeExpiryNotices } from './wallet-lots';

export interface ExpiryOptions {
  /** The moment lots are matured by (the database's clock if not given: tests inject months). */
  now?: Date;
  /** Wallets per run: one transaction each, so no wallet is locked for long. */
  walletsPerRun?: number;
  /** Only these tenants (all with a policy if not given). */
  tenantIds?: string[];
}

export interface ExpirySummary {
  runs: number;
  wallets: number;
  amount: string;
  notices: number;
}

/**
 * Expires what has matured in every wallet of every tenant with an expiry
 * policy, and writes the notices of what is about to. Idempotent by
 * construction: what a wallet owes is what its matured lots hold beyond what it
 * has expired already, decided again with the wallet locked — so running it
 * twice, late, or on two workers at once expires each point once and misses
 * none. It never locks a tenant's pool.
 */
export async function expirePoints(em: EntityManager, options: ExpiryOptions = {}): Promise<ExpirySummary> {
  const summary: ExpirySummary = { runs: 0, wallets: 0, amount: '0.00', notices: 0 };
  const now = options.now ?? (await databaseNow(em.fork()));
  let total = 0n;
  const policies = await expiryPolicies(em.fork(), options.tenantIds);
  // One pass over the journals of every tenant with a policy: which wallets owe something.
  const owing = new Map<string, string[]>();
  for (const { tenantId, walletId } of await dueExpiries(em.fork(), policies, now)) {
    const wallets = owing.get(tenantId) ?? [];
    wallets.push(walletId);
    owing.set(tenantId, wallets);
  }
  const size = options.walletsPerRun ?? 1_000;
  const expireTenant = async (policy: ExpiryPolicy) => {
    const wallets = owing.get(policy.tenantId) ?? [];
    for (let first = 0; first < wallets.length; first += size) {
      const run = await expireWallets(em, policy, now, wallets.slice(first, first + size), options.now !== undefined);
      if (!run) continue;
      summary.runs += 1;
      summary.wallets += run.wallets;
      total += run.amount;
    }
    summary.notices += await writeExpiryNotices(em.fork(), policy, now);
  };
  const failures: unknown[] = [];
  for (const policy of policies) {
    // One tenant's failure (retried at the next tick: nothing it owes is lost) holds back no other's expiry.
    await expireTenant(policy).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} tenant(s) failed their expiry`);
  summary.amount = fromCents(total);
  return summary;
}

/**
 * One expiry run, in one transaction: the wallets locked (in id order, as the
 * ledger locks them), what each owes decided again, each debited with an
 * `expiry` journal row naming the run, and the total moved to the tenant's
 * expired account (locked last: nothing else locks it) with its journal row and
 * an audit row.
 */
async function expireWallets(em: EntityManager, policy: ExpiryPolicy, now: Date, walletIds: string[], stamp: boolean): Promise<{ wallets: number; amount: bigint } | null> {
  return em.fork().transactional(async (tx) => {
    await tx.execute(`SELECT count(*) FROM (SELECT 1 FROM wallets WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) ORDER BY id FOR NO KEY UPDATE) locked`, [idList(walletIds)]);
    const due = await dueExpiries(tx, [policy], now, walletIds);
    if (due.length === 0) return null;
    const amount = due.reduce((sum, wallet) => sum + toCents(wallet.due), 0n);
    const runId = randomUUID();
    const at = stamp ? now.toISOString() : null;
    await tx.execute(`INSERT INTO expiry_runs (id, tenant_id, matured_by, wallets, amount, created_at) VALUES (?, ?, ?, ?, ?, coalesce(?::timestamptz, now()))`, [
      runId,
      policy.tenantId,
      now.toISOString(),
      due.length,
      fromCents(amount),
      at,
    ]);
    await tx.execute(
      `WITH due AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS d("walletId" uuid, due numeric)),
       moved AS (
         UPDATE wallets w SET balance = w.balance - d.due, version = w.version + 1 FROM due d WHERE w.id = d."walletId"
         RETURNING w.id, w.tenant_id, d.due, w.balance + d.due AS previous_balance, w.balance AS new_balance, w.version
       )
       INSERT INTO wallet_ledger (id, wallet_id, tenant_id, amount, transaction_type, reference_type, reference_id, previous_balance, new_balance, version, command_id, created_at)
       SELECT gen_random_uuid(), id, tenant_id, -due, 'expiry', 'expiry_run', ?::uuid, previous_balance, new_balance, version, NULL, coalesce(?::timestamptz, now()) FROM moved`,
      [JSON.stringify(due), runId, at],
      'run',
    );
    await tx.execute(`INSERT INTO expired_accounts (tenant_id) VALUES (?) ON CONFLICT (tenant_id) DO NOTHING`, [policy.tenantId], 'run');
    const [account] = await tx.execute<{ balance: string; version: string }[]>(
      `UPDATE expired_accounts SET balance = balance + ?::numeric, version = version + 1 WHERE tenant_id = ? RETURNING balance::text, version::text`,
      [fromCents(amount), policy.tenantId],
    );
    await tx.execute(
      `INSERT INTO expired_ledger (id, tenant_id, amount, previous_balance, new_balance, version, expiry_run_id, created_at)
       VALUES (gen_random_uuid(), ?, ?::numeric, ?::numeric - ?::numeric, ?::numeric, ?::bigint, ?, coalesce(?::timestamptz, now()))`,
      [policy.tenantId, fromCents(amount), account.balance, fromCents(amount), account.balance, account.version, runId, at],
      'run',
    );
    await tx.execute(
      `INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, created_at)
       VALUES (gen_random_uuid(), gen_random_uuid(), ?, NULL, 'points.expired', 'expiry_run', ?, NULL, ?::jsonb, coalesce(?::timestamptz, now()))`,
      [policy.tenantId, runId, JSON.stringify({ wallets: due.length, amount: fromCents(amount), maturedBy: now.toISOString(), expiredAccount: account.balance }), at],
      'run',
    );
    return { wallets: due.length, amount };
  });
}
