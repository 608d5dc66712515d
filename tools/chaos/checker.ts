// The checker: once the faults have stopped, waits (polling, no fixed sleep)
// until the system is idle — every command final, every outbox event delivered —
// then checks the SPEC invariants against the database and every command the
// workload saw acknowledged. Returns every violation found, with evidence.
import { EntityManager } from '@mikro-orm/postgresql';
import { BULK_SETTLED_STATUSES } from '@points/contracts';
import { AckedCommand } from './workload';
import { accountingCheck, journalProblems, lowestBalances, notificationProblems } from './sql';
import { sleep } from './stack';
import { Timeline } from './timeline';

export interface Idleness {
  idle: boolean;
  waitedSeconds: number;
  last: { open: number; undelivered: number; bulkOpen: number };
}

/** Polls until no command is unfinished and no outbox event is undelivered (twice in a row), or the timeout. */
export async function waitUntilIdle(em: EntityManager, timeline: Timeline, timeoutMs: number): Promise<Idleness> {
  const begin = Date.now();
  let last = { open: -1, undelivered: -1, bulkOpen: -1 };
  let quietPolls = 0;
  let lastNote = 0;
  while (Date.now() - begin < timeoutMs) {
    try {
      const [row] = await em.fork().execute<{ open: number; undelivered: number; bulk_open: number }[]>(
        `SELECT (SELECT count(*) FROM commands WHERE status IN ('queued', 'processing'))::int AS open,
                (SELECT count(*) FROM outbox WHERE dead_lettered_at IS NULL AND delivered_at IS NULL)::int AS undelivered,
                (SELECT count(*) FROM bulk_awards WHERE status NOT IN (SELECT jsonb_array_elements_text(?::jsonb)))::int AS bulk_open`,
        [JSON.stringify(BULK_SETTLED_STATUSES)],
      );
      last = { open: row.open, undelivered: row.undelivered, bulkOpen: row.bulk_open };
      quietPolls = row.open + row.undelivered + row.bulk_open === 0 ? quietPolls + 1 : 0;
      if (quietPolls >= 2) return { idle: true, waitedSeconds: (Date.now() - begin) / 1000, last };
      if (Date.now() - lastNote > 10_000) {
        lastNote = Date.now();
        timeline.note(`waiting for idle: ${row.open} command(s) unfinished, ${row.undelivered} event(s) undelivered, ${row.bulk_open} bulk award(s) open`);
      }
    } catch {
      quietPolls = 0;
    }
    await sleep(500);
  }
  return { idle: false, waitedSeconds: (Date.now() - begin) / 1000, last };
}

/** Signed decimal text ("-12.50") as cents. */
export function cents(text: string | number | null | undefined): bigint {
  if (text === null || text === undefined) return 0n;
  const value = String(text).trim();
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = value.replace(/^[-+]/, '').split('.');
  const abs = BigInt(whole || '0') * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -abs : abs;
}

interface CommandEffects {
  id: string;
  type: string;
  status: string;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code?: string } | null;
  attempts: number;
  idempotency_key: string | null;
  issuer_role: string;
  pool_rows: number;
  pool_sum: string;
  lead_rows: number;
  lead_sum: string;
  wallet_rows: number;
  wallet_sum: string;
  dist_rows: number;
  dist_sum: string;
  dist_recipients: number;
  alloc_rows: number;
  alloc_sum: string;
  billing_rows: number;
  recognition_rows: number;
  events: number;
}

/** Every command with what it wrote: rows (and their signed sum) in each journal, its recognition and its events. */
const EFFECTS_SQL = `
WITH pl AS (SELECT command_id, count(*) AS n, sum(amount) AS s FROM pool_ledger GROUP BY 1),
     ll AS (SELECT command_id, count(*) AS n, sum(amount) AS s FROM lead_budget_ledger GROUP BY 1),
     wl AS (SELECT command_id, count(*) AS n, sum(amount) AS s FROM wallet_ledger GROUP BY 1),
     dl AS (SELECT command_id, count(*) AS n, sum(amount) AS s, count(DISTINCT to_user_id) AS r FROM distribution_logs GROUP BY 1),
     al AS (SELECT command_id, count(*) AS n, sum(CASE transaction_type WHEN 'allocation' THEN amount ELSE -amount END) AS s FROM allocation_logs GROUP BY 1),
     bl AS (SELECT command_id, count(*) AS n FROM platform_billing_logs GROUP BY 1),
     rc AS (SELECT command_id, count(*) AS n FROM recognitions GROUP BY 1),
     ob AS (SELECT command_id, count(*) AS n FROM outbox GROUP BY 1)
SELECT c.id, c.type, c.status, c.payload, c.result, c.error, c.attempts, c.idempotency_key, u.role AS issuer_role,
       COALESCE(pl.n, 0)::int AS pool_rows, COALESCE(pl.s, 0)::text AS pool_sum,
       COALESCE(ll.n, 0)::int AS lead_rows, COALESCE(ll.s, 0)::text AS lead_sum,
       COALESCE(wl.n, 0)::int AS wallet_rows, COALESCE(wl.s, 0)::text AS wallet_sum,
       COALESCE(dl.n, 0)::int AS dist_rows, COALESCE(dl.s, 0)::text AS dist_sum, COALESCE(dl.r, 0)::int AS dist_recipients,
       COALESCE(al.n, 0)::int AS alloc_rows, COALESCE(al.s, 0)::text AS alloc_sum,
       COALESCE(bl.n, 0)::int AS billing_rows, COALESCE(rc.n, 0)::int AS recognition_rows, COALESCE(ob.n, 0)::int AS events
  FROM commands c
  JOIN users u ON u.id = c.issuer_id
  LEFT JOIN pl ON pl.command_id = c.id LEFT JOIN ll ON ll.command_id = c.id LEFT JOIN wl ON wl.command_id = c.id
  LEFT JOIN dl ON dl.command_id = c.id LEFT JOIN al ON al.command_id = c.id LEFT JOIN bl ON bl.command_id = c.id
  LEFT JOIN rc ON rc.command_id = c.id LEFT JOIN ob ON ob.command_id = c.id`;

type Observed = Record<'pool' | 'lead' | 'wallet' | 'dist' | 'alloc', { rows: number; sum: bigint }> & { billing: number; recognitions: number; distRecipients: number };

const nothing = (): Observed => ({
  pool: { rows: 0, sum: 0n },
  lead: { rows: 0, sum: 0n },
  wallet: { rows: 0, sum: 0n },
  dist: { rows: 0, sum: 0n },
  alloc: { rows: 0, sum: 0n },
  billing: 0,
  recognitions: 0,
  distRecipients: 0,
});

const MANAGERS = new Set(['tenant_manager', 'hr_admin']);

/** What a command must have written, exactly once: nothing unless it succeeded; else one row per account it moved. */
export function expectedEffects(command: Pick<CommandEffects, 'type' | 'status' | 'payload' | 'result' | 'issuer_role'>): Observed {
  const expected = nothing();
  if (command.status !== 'succeeded') return expected;
  const p = command.payload;
  const transfer = (amount: bigint, recipients: number) => {
    const source = MANAGERS.has(command.issuer_role) ? expected.pool : expected.lead;
    source.rows = 1;
    source.sum = -amount;
    expected.wallet = { rows: recipients, sum: amount };
    expected.dist = { rows: recipients, sum: amount };
    expected.distRecipients = recipients;
  };
  switch (command.type) {
    case 'allocate':
    case 'clawback': {
      const a = cents(p.amount as string) * (command.type === 'allocate' ? 1n : -1n);
      expected.pool = { rows: 1, sum: a };
      expected.alloc = { rows: 1, sum: a };
      expected.billing = 1;
      break;
    }
    case 'delegate': {
      const a = cents(p.amount as string);
      expected.pool = { rows: 1, sum: -a };
      expected.lead = { rows: 1, sum: a };
      expected.dist = { rows: 1, sum: a };
      expected.distRecipients = 1;
      break;
    }
    case 'award':
      transfer(cents(p.amount as string), 1);
      break;
    case 'recognition': {
      const points = cents(p.points as string);
      if (points > 0n) transfer(points, 1);
      expected.recognitions = 1;
      break;
    }
    case 'bulk_award':
      transfer(cents(command.result?.totalAmount as string), Number(command.result?.recipients ?? p.rows));
      break;
    case 'run_schedule': {
      // A scheduled allocation that allocated: as an allocation; one that found nothing due wrote nothing.
      if (!command.result?.allocated) break;
      const a = cents(command.result.amount as string);
      expected.pool = { rows: 1, sum: a };
      expected.alloc = { rows: 1, sum: a };
      expected.billing = 1;
      break;
    }
    default:
      break;
  }
  return expected;
}

function observed(row: CommandEffects): Observed {
  return {
    pool: { rows: row.pool_rows, sum: cents(row.pool_sum) },
    lead: { rows: row.lead_rows, sum: cents(row.lead_sum) },
    wallet: { rows: row.wallet_rows, sum: cents(row.wallet_sum) },
    dist: { rows: row.dist_rows, sum: cents(row.dist_sum) },
    alloc: { rows: row.alloc_rows, sum: cents(row.alloc_sum) },
    billing: row.billing_rows,
    recognitions: row.recognition_rows,
    distRecipients: row.dist_recipients,
  };
}

const show = (o: Observed) =>
  JSON.stringify(o, (_, value) => (typeof value === 'bigint' ? (Number(value) / 100).toFixed(2) : value));

export interface CheckResult {
  violations: string[];
  /** Per type of acknowledged command: how many ended in each outcome (rejections by code). */
  outcomes: Record<string, Record<string, number>>;
  commandsInDatabase: number;
  /** Commands applied after more than one attempt (a redelivery, a retry after a crash or outage). */
  redelivered: number;
  /** Stored commands whose acknowledgement the workload never got (it gave up retrying). */
  unacknowledged: number;
  /** Runs the scheduler submitted (top-ups), and how many of them allocated. */
  scheduledRuns: { submitted: number; allocated: number };
  lowest: Awaited<ReturnType<typeof lowestBalances>>;
}

export async function checkInvariants(em: EntityManager, acked: AckedCommand[]): Promise<CheckResult> {
  const violations: string[] = [];
  const add = (message: string) => violations.push(message);
  const listSome = <T>(rows: T[], what: string, format: (row: T) => string) => {
    for (const row of rows.slice(0, 20)) add(`${what}: ${format(row)}`);
    if (rows.length > 20) add(`${what}: … and ${rows.length - 20} more`);
  };

  // 1. No balance is negative (the sampler watched during the run; this is the end state).
  const lowest = await lowestBalances(em);
  for (const [kind, value] of Object.entries(lowest)) if (value !== null && cents(value) < 0n) add(`negative ${kind} balance at the end: ${value}`);

  // 2. The books balance for every tenant.
  listSome(
    (await accountingCheck(em)).filter((row) => !row.balanced),
    'accounting-check.sql unbalanced',
    (row) => `tenant ${row.slug} (${row.tenant_id}): net allocated ${row.net_allocated}, held ${row.held}`,
  );

  // 3. Journal chains intact.
  listSome(await journalProblems(em), 'journal-check.sql', (row) => `${row.account_type} ${row.account_id} version ${row.version}: ${row.problem}`);

  // 5. Feed and audit one-to-one with the ledger's events.
  listSome(await notificationProblems(em), 'notification-check.sql', (row) => `${row.problem}: ${row.kind} ${row.ref}`);

  // 4. Every command took effect exactly once (or not at all when rejected) and emitted exactly one event.
  const rows = await em.fork().execute<CommandEffects[]>(EFFECTS_SQL);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const wrong: string[] = [];
  for (const row of rows) {
    const want = expectedEffects(row);
    const got = observed(row);
    if (show(want) !== show(got)) wrong.push(`${row.type} ${row.id} (${row.status}, issuer ${row.issuer_role}, attempts ${row.attempts}): expected ${show(want)}, found ${show(got)}`);
    const wantEvents = row.status === 'succeeded' || row.status === 'rejected' ? 1 : 0;
    if (row.events !== wantEvents) wrong.push(`${row.type} ${row.id} (${row.status}): ${row.events} outbox events, expected ${wantEvents}`);
  }
  listSome(wrong, 'not applied exactly once', (line) => line);

  // Every acknowledged command: there, of its type, final, succeeded or rejected (never failed), as the rules demand.
  const outcomes: CheckResult['outcomes'] = {};
  const count = (label: string, outcome: string) => {
    outcomes[label] ??= {};
    outcomes[label][outcome] = (outcomes[label][outcome] ?? 0) + 1;
  };
  const ackedIds = new Set<string>();
  const problems: string[] = [];
  for (const ack of acked) {
    ackedIds.add(ack.commandId);
    const row = byId.get(ack.commandId);
    if (!row) {
      count(ack.label, 'MISSING');
      problems.push(`acknowledged ${ack.label} ${ack.commandId} (key ${ack.idempotencyKey}, HTTP ${ack.ackStatus} at ${ack.at} s) is not in the database`);
      continue;
    }
    const outcome = row.status === 'rejected' ? `rejected ${row.error?.code ?? '?'}` : row.status;
    count(ack.label, outcome);
    if (row.type !== ack.type) problems.push(`acknowledged ${ack.label} ${ack.commandId} is stored as a ${row.type}`);
    if (row.status === 'failed') problems.push(`acknowledged ${ack.label} ${ack.commandId} ended failed: ${JSON.stringify(row.error)} (attempts ${row.attempts})`);
    else if (row.status !== 'succeeded' && row.status !== 'rejected') problems.push(`acknowledged ${ack.label} ${ack.commandId} never finished: ${row.status}`);
    else if (ack.mustReject && !(row.status === 'rejected' && row.error?.code === ack.mustReject)) {
      problems.push(`${ack.label} ${ack.commandId} must be rejected ${ack.mustReject}, but ended ${outcome}`);
    }
    if (row.idempotency_key !== ack.idempotencyKey) problems.push(`acknowledged ${ack.label} ${ack.commandId} under key ${ack.idempotencyKey} is stored under key ${row.idempotency_key}`);
  }
  listSome(problems, 'acknowledged command', (line) => line);
  const duplicates = acked.length - ackedIds.size;
  if (duplicates > 0) add(`${duplicates} acknowledgements named a command already acknowledged for another request`);

  return {
    violations,
    outcomes,
    commandsInDatabase: rows.length,
    redelivered: rows.filter((row) => row.attempts > 1).length,
    unacknowledged: rows.filter((row) => !ackedIds.has(row.id)).length,
    scheduledRuns: {
      submitted: rows.filter((row) => row.type === 'run_schedule').length,
      allocated: rows.filter((row) => row.type === 'run_schedule' && row.status === 'succeeded' && row.result?.allocated).length,
    },
    lowest,
  };
}
