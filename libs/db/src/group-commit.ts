export interface GroupCommitOptions {
  /** Most items in one batch. */
  maxBatch?: number;
  /** Most batches being written at once. */
  maxInFlight?: number;
  /**
   * Whether a failed batch is tried again in smaller ones (halves, down to one
   * item): for an error one item may have caused (a constraint it breaks), so
   * the others still go through.
   * An outage fails the whole batch at once instead of N times over.
   */
  splitOn?: (error: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items that arrive while batches are being written wait and go
 * into the next batch together, so under load one transaction (one COMMIT, one
 * queue round trip) serves many, while an item arriving alone is written at
 * once — there is no timer, so batching adds no latency when idle.
 *
 * `write` gets a batch and returns one result per item, in order.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.startNext();
      });
    }
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.write(batch.map((entry) => entry.item));
    } catch (error) {
      if (batch.length > 1 && this.options.splitOn?.(error)) {
        // In halves: one bad item among 200 costs about 16 writes, not 200.
        const half = Math.ceil(batch.length / 2);
        await this.run(batch.slice(0, half));
        await this.run(batch.slice(half));
      } else for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index]));
  }
}
