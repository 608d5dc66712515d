// The workload: concurrent clients, each with its own seeded random stream,
// issuing a mix of every kind of command across the tenants through the
// careful client, and recording every command the system acknowledged.
// What a client sends never depends on the answers it gets, so a seed replays
// the same requests (their outcomes depend on timing and faults).
import { COMMAND_CATALOG, fromCents } from '@points/contracts';
import { seededRandom } from '@points/testing';
import { Actor, Cast, TenantCast } from './cast';
import { CarefulClient, CommandRequest } from './http-client';
import { sleep } from './stack';
import { Timeline } from './timeline';

export type WorkloadType = 'allocate' | 'clawback' | 'delegate' | 'award' | 'recognition' | 'bulk_award' | 'create_schedule';

export interface PlannedCommand extends CommandRequest {
  type: WorkloadType;
  label: string;
  issuer: Actor;
  /** Set when the ledger must reject it, with the code it must give (a self-award, another tenant's user, a bad bulk row, an amount no source covers). */
  mustReject?: string;
}

export interface AckedCommand {
  commandId: string;
  type: WorkloadType;
  label: string;
  idempotencyKey: string;
  issuerId: string;
  mustReject?: string;
  ackStatus: number;
  attempts: number;
  at: number;
}

export interface WorkloadResult {
  acked: AckedCommand[];
  refused: { label: string; status: number; code: string; key: string }[];
  gaveUp: { label: string; key: string; lastProblem: string }[];
  /** Requests sent (every attempt) and commands planned. */
  attempts: number;
  planned: number;
  resends: number;
  violations: string[];
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const int = (rng: () => number, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
/** An amount with cents, between min and max whole points. */
const amount = (rng: () => number, min: number, max: number) => fromCents(BigInt(int(rng, min * 100, max * 100)));

const PATH = (type: Exclude<WorkloadType, 'bulk_award'>) => COMMAND_CATALOG[type].route.path;
const BULK_PATH = COMMAND_CATALOG.bulk_award.route.path;

/** One client's next command, from its random stream. */
export function planCommand(rng: () => number, cast: Cast, key: string): PlannedCommand {
  const tenant: TenantCast = pick(rng, cast.tenants);
  const other = cast.tenants[(cast.tenants.indexOf(tenant) + 1) % cast.tenants.length];
  const json = (type: Exclude<WorkloadType, 'bulk_award'>, issuer: Actor, body: Record<string, unknown>, label: string = type, mustReject?: string): PlannedCommand => ({
    type,
    label,
    issuer,
    mustReject,
    path: PATH(type),
    body: JSON.stringify(body),
    contentType: 'application/json',
    token: issuer.token,
    idempotencyKey: key,
    waitSeconds: rng() < 0.15 ? 3 : undefined,
  });
  const giver = () => (rng() < 0.5 ? pick(rng, tenant.managers) : pick(rng, tenant.leads));
  const roll = rng() * 100;
  if (roll < 8) {
    const body: Record<string, unknown> = { tenantId: tenant.tenantId, amount: amount(rng, 500, 3000), currency: 'USD', referenceNote: `chaos ${key}` };
    if (rng() < 0.5) body.invoiceNumber = `INV-${key}`;
    return json('allocate', cast.admin, body);
  }
  if (roll < 12) return json('clawback', cast.admin, { tenantId: tenant.tenantId, amount: amount(rng, 200, 6000), referenceNote: `chaos ${key}` });
  if (roll < 24) return json('delegate', pick(rng, tenant.managers), { leadId: pick(rng, tenant.leads).id, amount: amount(rng, 10, 150), description: `chaos ${key}` });
  if (roll < 60) return json('award', giver(), { userId: pick(rng, tenant.employees).id, amount: amount(rng, 1, 80), description: `chaos ${key}` });
  if (roll < 62) {
    const issuer = giver();
    return json('award', issuer, { userId: issuer.id, amount: amount(rng, 1, 10) }, 'award to oneself', 'FORBIDDEN');
  }
  if (roll < 64) return json('award', giver(), { userId: pick(rng, other.employees).id, amount: amount(rng, 1, 10) }, "award to another tenant's user", 'NOT_FOUND');
  if (roll < 66) return json('award', giver(), { userId: pick(rng, tenant.employees).id, amount: '900000000.00' }, 'award no source covers', 'INSUFFICIENT_BALANCE');
  if (roll < 88) {
    const who = rng();
    const issuer = who < 0.4 ? pick(rng, tenant.managers) : who < 0.75 ? pick(rng, tenant.leads) : pick(rng, tenant.employees);
    const recipients = tenant.employees.filter((e) => e.id !== issuer.id);
    const points = issuer.role === 'employee' || rng() < 0.15 ? '0' : amount(rng, 1, 40);
    return json('recognition', issuer, { recipientId: pick(rng, recipients).id, points, message: `thanks! ${key}` }, points === '0' ? 'recognition (kudos)' : 'recognition');
  }
  // A bulk award as a CSV upload, by user id or by email.
  const issuer = rng() < 0.6 ? pick(rng, tenant.managers) : pick(rng, tenant.leads);
  const candidates = [...tenant.employees, ...tenant.leads].filter((u) => u.id !== issuer.id);
  const count = int(rng, 2, Math.min(8, candidates.length));
  const shuffled = [...candidates].sort(() => rng() - 0.5).slice(0, count);
  const byEmail = rng() < 0.3;
  const rows = shuffled.map((u, i) => `${byEmail ? u.email : u.id},${amount(rng, 1, 25)},row ${i + 1}`);
  const bad = rng() < 0.08;
  if (bad) rows.push(`${byEmail ? `nobody-${key}@example.test` : '00000000-0000-4000-8000-000000000000'},5.00,nobody`);
  return {
    type: 'bulk_award',
    label: bad ? 'bulk award with a bad row' : 'bulk_award',
    issuer,
    mustReject: bad ? 'VALIDATION_FAILED' : undefined,
    path: `${BULK_PATH}?description=${encodeURIComponent(`chaos ${key}`)}`,
    body: `${byEmail ? 'email' : 'userId'},amount,description\n${rows.join('\n')}\n`,
    contentType: 'text/csv',
    token: issuer.token,
    idempotencyKey: key,
  };
}

export interface WorkloadOptions {
  seed: number;
  clients: number;
  cast: Cast;
  gatewayUrls: string[];
  timeline: Timeline;
  /** New commands stop at this moment (epoch ms). */
  stopAt: number;
  /** Retrying an unacknowledged command stops at this moment (epoch ms). */
  giveUpAt: number;
}

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const result: WorkloadResult = { acked: [], refused: [], gaveUp: [], attempts: 0, planned: 0, resends: 0, violations: [] };
  const http = new CarefulClient(options.gatewayUrls, () => options.giveUpAt);
  /** Sends one command until it is answered; records it unless it is a resend of one already recorded. */
  const send = async (command: PlannedCommand, resend = false): Promise<AckedCommand | undefined> => {
    if (!resend) result.planned += 1;
    const outcome = await http.submit(command);
    result.attempts += outcome.attempts;
    if (outcome.kind === 'acknowledged') {
      const acked: AckedCommand = {
        commandId: outcome.commandId,
        type: command.type,
        label: command.label,
        idempotencyKey: command.idempotencyKey,
        issuerId: command.issuer.id,
        mustReject: command.mustReject,
        ackStatus: outcome.status,
        attempts: outcome.attempts,
        at: options.timeline.now(),
      };
      if (!resend) result.acked.push(acked);
      return acked;
    }
    if (outcome.kind === 'refused') {
      result.refused.push({ label: command.label, status: outcome.status, code: outcome.code, key: command.idempotencyKey });
      if (outcome.status === 409) result.violations.push(`idempotency: the same ${command.label} request under key ${command.idempotencyKey} was refused as a different request (409 ${outcome.code})`);
    } else {
      result.gaveUp.push({ label: command.label, key: command.idempotencyKey, lastProblem: outcome.lastProblem });
    }
    return undefined;
  };

  // Every tenant starts with a pool, so the first awards have something to spend.
  await Promise.all(
    options.cast.tenants.map((tenant, i) =>
      send({
        type: 'allocate',
        label: 'allocate',
        issuer: options.cast.admin,
        path: PATH('allocate'),
        body: JSON.stringify({ tenantId: tenant.tenantId, amount: '5000.00', currency: 'USD', referenceNote: 'chaos opening balance' }),
        contentType: 'application/json',
        token: options.cast.admin.token,
        idempotencyKey: `chaos-${options.seed}-fund-${i}`,
        waitSeconds: 5,
      }),
    ),
  );
  // And a top-up rule: whenever clawbacks and awards take its pool below 9,000, the ledger worker's scheduler tops it
  // up to 12,000 — run_schedule commands it submits itself, under the same faults.
  await Promise.all(
    options.cast.tenants.map((tenant, i) =>
      send({
        type: 'create_schedule',
        label: 'create top-up schedule',
        issuer: options.cast.admin,
        path: PATH('create_schedule'),
        body: JSON.stringify({ tenantId: tenant.tenantId, cadence: 'top_up', topUpTo: '12000', whenBelow: '9000', currency: 'USD', referenceNote: 'chaos top-up', invoicePattern: `TOP-${i}-{n}` }),
        contentType: 'application/json',
        token: options.cast.admin.token,
        idempotencyKey: `chaos-${options.seed}-top-up-${i}`,
        waitSeconds: 5,
      }),
    ),
  );

  const client = async (index: number) => {
    const rng = seededRandom((Math.imul(options.seed, 1000003) + index + 1) | 0);
    const sent: { command: PlannedCommand; acked: AckedCommand }[] = [];
    for (let n = 1; Date.now() < options.stopAt; n++) {
      if (sent.length > 0 && rng() < 0.04) {
        // A client that never saw its answer sends the same request again later: the same command must come back.
        const earlier = pick(rng, sent.slice(-50));
        result.resends += 1;
        const again = await send(earlier.command, true);
        if (again && again.commandId !== earlier.acked.commandId) {
          result.violations.push(`idempotency: key ${earlier.command.idempotencyKey} (${earlier.command.label}) acknowledged as ${earlier.acked.commandId}, then as ${again.commandId}`);
        }
      } else {
        const command = planCommand(rng, options.cast, `chaos-${options.seed}-c${index}-${n}`);
        const acked = await send(command);
        if (acked) sent.push({ command, acked });
      }
      await sleep(int(rng, 0, 80));
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  return result;
}
