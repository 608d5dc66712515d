// A bulk award as a user sends it: a CSV of `rows` awards (by userId) POSTed to
// the real gateway, applied by the real ledger worker, its status URL polled
// (as the CLI's progress bar does) until it ends. Seconds from POST to succeeded.
import { BenchStack } from './bench-stack';

const FINAL = ['succeeded', 'rejected', 'failed'];

export interface BulkResult {
  rows: number;
  megabytes: number;
  /** POST → 202. */
  acceptSeconds: number;
  /** POST → succeeded. */
  seconds: number;
  rowsPerSecond: number;
}

export async function runBulk(stack: BenchStack, rows: number): Promise<BulkResult> {
  const tenant = await stack.addTenant(rows);
  const csv = ['userId,amount,description', ...tenant.employees.map((employee, i) => `${employee.id},${(1 + (i % 100) / 100).toFixed(2)},`)].join('\n');
  const started = performance.now();
  const accepted = await stack.send('POST', '/api/allocations/bulk-awards?description=bench', tenant.managerToken, csv, { 'content-type': 'text/csv' });
  const acceptSeconds = (performance.now() - started) / 1000;
  if (accepted.status !== 202) throw new Error(`bulk upload refused: ${JSON.stringify(accepted)}`);
  let view = accepted.body;
  while (!FINAL.includes(String(view.status))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    view = (await stack.send('GET', String(accepted.body.statusUrl), tenant.managerToken)).body;
  }
  const seconds = (performance.now() - started) / 1000;
  if (view.status !== 'succeeded' || view.processed !== rows) throw new Error(`bulk award ended ${view.status}: ${JSON.stringify(view).slice(0, 2000)}`);
  return { rows, megabytes: csv.length / 1e6, acceptSeconds, seconds, rowsPerSecond: rows / seconds };
}
