import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';

type Cell = string | number | boolean | null | undefined;

// Borderless, colourless: columns separated by spaces read well in a terminal and stay greppable in a pipe.
const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

/** Rows as an aligned table under their column names; "(none)" for no rows. */
export function printTable(rows: Record<string, Cell>[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const columns = Object.keys(rows[0]);
  const table = new Table({ head: columns, chars: NO_BORDERS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  for (const row of rows) table.push(columns.map((column) => String(row[column] ?? '')));
  // cli-table3 pads the last column too; trailing spaces only get in the way of grep and diff.
  console.log(table.toString().split('\n').map((line) => line.trimEnd()).join('\n'));
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** "2026-11-24T10:00:00.123456Z" → "2026-11-24 10:00:00": a table needs the second, not the microsecond. */
export const shortTime = (timestamp: string) => timestamp.slice(0, 19).replace('T', ' ');

/**
 * A progress bar on stderr (stdout stays the outcome, for scripts). Outside a
 * terminal it prints a line now and then and always the final state, so a log
 * shows how the job ended.
 */
export function progressBar(): { update(done: number, total: number, status: string): void; stop(): void } {
  const bar = new SingleBar({
    format: '[{bar}] {value}/{total} {status}',
    barCompleteChar: '#',
    barIncompleteChar: '.',
    barsize: 30,
    stream: process.stderr,
    noTTYOutput: true,
    hideCursor: true,
    gracefulExit: true,
  });
  let started = false;
  return {
    update(done, total, status) {
      if (!started) bar.start(total, done, { status });
      else bar.setTotal(total);
      started = true;
      bar.update(done, { status });
    },
    stop: () => bar.stop(),
  };
}
