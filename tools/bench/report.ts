// The one table of a run, and its JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';

export interface Row {
  section: string;
  figure: string;
  /** The figure as a number (null: not measured here, e.g. no /proc); `text` shows it. */
  value: number | null;
  unit: string;
  text: string;
  /** For the targets: what is required, and whether this run met it. */
  target?: string;
  met?: boolean | null;
}

export const RESULTS_DIR = resolve(__dirname, '../../bench/results');

/** A number as the table shows it: 3 significant digits below 100, whole above. */
export function fmt(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const number = Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : Number(value.toPrecision(3)).toString();
  return unit ? `${number} ${unit}` : number;
}

export function row(section: string, figure: string, value: number | null | undefined, unit: string, extra: Partial<Row> = {}): Row {
  return { section, figure, value: value ?? null, unit, text: fmt(value, unit), ...extra };
}

export function renderTable(rows: Row[]): string {
  const table = new Table({
    head: ['figure', 'value', 'target', 'result'],
    style: { head: [], border: [] },
    // No line between rows; a section starts with its title (▸).
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: true,
    colWidths: [70, 26, 16, 8],
  });
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      table.push([`▸ ${section}`, '', '', '']);
    }
    const result = r.met === undefined ? '' : r.met === null ? 'n/a' : r.met ? 'pass' : 'MISS';
    table.push([`  ${r.figure}`, r.text, r.target ?? '', result]);
  }
  return table.toString();
}

/**
 * A full run writes bench/results/latest.json and bench/results/<time>.json;
 * a quick run only bench/results/quick/latest.json (not committed). Returns the paths.
 */
export function writeResults(report: { startedAt: string } & Record<string, unknown>, quick: boolean): string[] {
  const dir = quick ? join(RESULTS_DIR, 'quick') : RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const paths = [join(dir, 'latest.json')];
  if (!quick) paths.push(join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`));
  for (const path of paths) writeFileSync(path, json);
  return paths;
}
