import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiClient, CliError, apiBase, printTable, resolveToken } from './api-client';

const USAGE = 'usage: npm run bulk-award -- --file awards.csv (--email <you> | --token <jwt>) [--description "..."] [--api URL] [--json]';

/**
 * `npm run bulk-award`: uploads a CSV (userId|email,amount,description), shows
 * a live progress bar until the job ends, then prints the outcome or every row
 * error as a table. Exit code 0 on success, 2 when the job was rejected.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { file: { type: 'string' }, email: { type: 'string' }, token: { type: 'string' }, description: { type: 'string' }, api: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (!values.file) throw new CliError(USAGE);
  const csv = readFileSync(values.file, 'utf8');
  const client = new ApiClient(apiBase(values.api), await resolveToken(values));
  const query = values.description ? `?description=${encodeURIComponent(values.description)}` : '';
  const accepted = await client.request<{ bulkId: string; statusUrl: string; total: number }>('POST', `/api/allocations/bulk-awards${query}`, csv, { 'content-type': 'text/csv' });
  const tty = process.stderr.isTTY && !values.json;
  if (!values.json) console.error(`bulk award ${accepted.body.bulkId}: ${accepted.body.total} rows accepted`);

  let status: Record<string, unknown> = accepted.body;
  let lastLine = '';
  while (!['succeeded', 'rejected', 'failed'].includes(String(status.status))) {
    await new Promise((r) => setTimeout(r, 250));
    status = (await client.request('GET', accepted.body.statusUrl)).body;
    const line = progressLine(status);
    if (tty) process.stderr.write(`\r${line}`);
    else if (!values.json && line !== lastLine) console.error(line);
    lastLine = line;
  }
  if (tty) process.stderr.write('\n');

  if (values.json) {
    console.log(JSON.stringify(status, null, 2));
  } else if (status.status === 'succeeded') {
    console.log(`✓ ${status.succeeded} colleagues awarded ${status.totalAmount} points in total`);
  } else {
    console.log(`✗ bulk award ${status.status}: nothing was awarded (${status.failed} rows failed)`);
    printTable(status.errors as Record<string, unknown>[]);
  }
  return status.status === 'succeeded' ? 0 : 2;
}

function progressLine(status: Record<string, unknown>): string {
  const total = Number(status.total) || 1;
  const done = Number(status.processed) || 0;
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${status.status}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CliError ? error.message : error);
    process.exit(1);
  },
);
