// The run's clock and its log: every line is stamped with the seconds since the
// run started, so a report's fault times can be laid next to the apps' logs.
export class Timeline {
  startedAt = Date.now();
  readonly lines: string[] = [];

  constructor(private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** Seconds since the start, to 0.1 s. */
  now(): number {
    return Math.round((Date.now() - this.startedAt) / 100) / 10;
  }

  /** Times from now on count from this moment (the start of the faults). */
  resetClock(): void {
    this.startedAt = Date.now();
  }

  note(message: string): void {
    const line = `[${this.now().toFixed(1).padStart(7)} s] ${message}`;
    this.lines.push(line);
    this.print(line);
  }
}
