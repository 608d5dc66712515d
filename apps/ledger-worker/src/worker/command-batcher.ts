import { CommandOutcome } from '@points/contracts';

/** Applies a list of commands in one transaction (see applyCommands). */
export type ApplyBatch = (commandIds: string[]) => Promise<Map<string, CommandOutcome>>;

export interface BatcherOptions {
  /** Most commands in one transaction. */
  maxBatch?: number;
  /** Most transactions running at once. */
  maxInFlight?: number;
}

interface Waiting {
  commandId: string;
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
 * A batch that throws is retried one command at a time: one command that keeps
 * failing cannot hold back the others, and each job sees its own outcome.
 */
export class CommandBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly apply: ApplyBatch,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  submit(commandId: string): Promise<CommandOutcome> {
    return new Promise<CommandOutcome>((resolve, reject) => {
      this.waiting.push({ commandId, resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
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
      else entry.reject(new Error(`command ${entry.commandId} does not exist`));
    }
  }
}
