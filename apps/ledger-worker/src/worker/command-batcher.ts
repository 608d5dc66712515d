import { CommandOutcome } from '@points/contracts';
import { isLockError, isTransientError } from '@points/db';

/**
 * Applies a list of commands in one transaction (see applyCommands). `shared`:
 * the list spans several tenants, so it must not wait long on a lock one of
 * them holds elsewhere (a bulk award) — it fails instead, and each of its
 * tenants is tried alone.
 */
export type ApplyBatch = (commandIds: string[], shared: boolean) => Promise<Map<string, CommandOutcome>>;

export interface BatcherOptions {
  /** Most commands in one transaction. */
  maxBatch?: number;
  /** Most transactions running at once. */
  maxInFlight?: number;
  /** How long a command the ledger cannot see yet is looked for again before its job fails. */
  notFoundForMs?: number;
}

interface Waiting {
  commandId: string;
  lane: string;
  /** When the ledger first found no such command. */
  missingSince?: number;
  resolve(outcome: CommandOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the ledger. Commands that arrive while transactions are
 * running wait and go into the next transaction together, so under load one
 * transaction (one COMMIT) serves many commands, of one tenant or of many,
 * while a command arriving alone is applied at once: there is no timer, so
 * batching adds no latency.
 *
 * Commands wait in lanes, one per tenant (the tenant the command acts on). A
 * tenant is in at most one running transaction, so transactions in flight never
 * wait on each other's accounts. A transaction takes the waiting commands of
 * every free tenant, taking turns between them. One that spans several tenants
 * gives up on a lock held elsewhere (a long bulk award holding a pool) instead
 * of holding the others back; each of its tenants then runs alone until it
 * succeeds, so a tenant whose pool is locked for a while holds back only its
 * own commands.
 *
 * A batch that throws because of an outage fails as a whole (each job retries
 * with its backoff). Otherwise a batch of several tenants sends each back to
 * run alone, and a batch of one tenant is retried one command at a time: one
 * command that keeps failing cannot hold back the others, and each job sees
 * its own outcome.
 *
 * The gateway enqueues a command inside the transaction that stores it, so a
 * worker may see the job a moment before the row: a command not found is looked
 * for again, briefly, before its job fails.
 */
export class CommandBatcher {
  /** Waiting commands per tenant, tenants in turn order. */
  private readonly lanes = new Map<string, Waiting[]>();
  /** Tenants in a running transaction. */
  private readonly running = new Set<string>();
  /** Tenants to run alone (their last shared transaction failed). */
  private readonly alone = new Set<string>();
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly notFoundForMs: number;
  constructor(
    private readonly apply: ApplyBatch,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.notFoundForMs = options.notFoundForMs ?? 2_000;
  }

  /** `tenantId` is the tenant the command acts on (null only for a malformed command, which the ledger rejects). */
  submit(commandId: string, tenantId: string | null): Promise<CommandOutcome> {
    return new Promise<CommandOutcome>((resolve, reject) => this.wait({ commandId, lane: tenantId ?? '', resolve, reject }));
  }

  private wait(entry: Waiting): void {
    const waiting = this.lanes.get(entry.lane) ?? [];
    waiting.push(entry);
    this.lanes.set(entry.lane, waiting);
    this.startNext();
  }

  private startNext(): void {
    while (this.inFlight < this.maxInFlight) {
      const lanes = this.nextLanes();
      if (lanes.length === 0) return;
      const batch: Waiting[] = [];
      for (const lane of lanes) {
        const waiting = this.lanes.get(lane) ?? [];
        batch.push(...waiting.splice(0, this.maxBatch - batch.length));
        // Taking turns: a tenant with commands left waits behind the others.
        this.lanes.delete(lane);
        if (waiting.length > 0) this.lanes.set(lane, waiting);
        this.running.add(lane);
      }
      this.inFlight += 1;
      void this.run(batch, lanes).finally(() => {
        for (const lane of lanes) this.running.delete(lane);
        this.inFlight -= 1;
        this.startNext();
      });
    }
  }

  /** The tenants of the next transaction: one to run alone, or every free one that shares, until the batch is full. */
  private nextLanes(): string[] {
    const lanes: string[] = [];
    let size = 0;
    for (const [lane, waiting] of this.lanes) {
      if (this.running.has(lane)) continue;
      if (this.alone.has(lane)) {
        if (lanes.length === 0) return [lane];
        continue;
      }
      lanes.push(lane);
      size += waiting.length;
      if (size >= this.maxBatch) break;
    }
    return lanes;
  }

  private async run(batch: Waiting[], lanes: string[]): Promise<void> {
    let outcomes: Map<string, CommandOutcome>;
    try {
      outcomes = await this.apply(
        batch.map((entry) => entry.commandId),
        lanes.length > 1,
      );
      for (const lane of lanes) this.alone.delete(lane);
    } catch (error) {
      // An outage would fail every smaller transaction too: each job retries with its backoff.
      if (lanes.length > 1 && isTransientError(error) && !isLockError(error)) for (const entry of batch) entry.reject(error);
      else if (lanes.length > 1) {
        // Back to their lanes, ahead of what came since, each tenant to run alone: a slot each, so one still blocked holds back only itself.
        for (const lane of lanes) {
          this.alone.add(lane);
          this.lanes.set(lane, [...batch.filter((entry) => entry.lane === lane), ...(this.lanes.get(lane) ?? [])]);
        }
      } else if (batch.length === 1) batch[0].reject(error);
      else for (const entry of batch) await this.run([entry], lanes);
      return;
    }
    for (const entry of batch) {
      const outcome = outcomes.get(entry.commandId);
      if (outcome) entry.resolve(outcome);
      else this.lookAgain(entry);
    }
  }

  private lookAgain(entry: Waiting): void {
    entry.missingSince ??= Date.now();
    if (Date.now() - entry.missingSince >= this.notFoundForMs) return entry.reject(new Error(`command ${entry.commandId} does not exist`));
    setTimeout(() => this.wait(entry), 25).unref();
  }
}
