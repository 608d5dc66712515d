import { CommandOutcome } from '@points/contracts';

/** Applies a list of commands in one transaction (see applyCommands). */
export type ApplyBatch = (commandIds: string[]) => Promise<Map<string, CommandOutcome>>;

export interface BatcherOptions {
  /** Most commands in one transaction. */
  maxBatch?: number;
  /** Most transactions running at once (each for a different tenant). */
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
 * transaction (one lock of a hot pool row, one COMMIT) serves many commands,
 * while a command arriving alone is applied at once: there is no timer, so
 * batching adds no latency.
 *
 * Batches are per tenant (the tenant the command acts on), and a
 * tenant has at most one transaction running: transactions in flight never wait
 * on each other's pool rows, and a tenant whose pool is locked for a while (a
 * large bulk award) holds back only its own commands.
 *
 * A batch that throws is retried one command at a time: one command that keeps
 * failing cannot hold back the others, and each job sees its own outcome.
 *
 * The gateway enqueues a command inside the transaction that stores it, so a
 * worker may see the job a moment before the row: a command not found is looked
 * for again, briefly, before its job fails.
 */
export class CommandBatcher {
  /** Waiting commands per tenant, tenants in the order they started waiting. */
  private readonly lanes = new Map<string, Waiting[]>();
  private readonly running = new Set<string>();
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
    for (const [lane, waiting] of this.lanes) {
      if (this.running.size >= this.maxInFlight) return;
      if (this.running.has(lane)) continue;
      const batch = waiting.splice(0, this.maxBatch);
      if (waiting.length === 0) this.lanes.delete(lane);
      this.running.add(lane);
      void this.run(batch).finally(() => {
        this.running.delete(lane);
        this.startNext();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    let outcomes: Map<string, CommandOutcome>;
    try {
      outcomes = await this.apply(batch.map((entry) => entry.commandId));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      else for (const entry of batch) await this.run([entry]);
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
