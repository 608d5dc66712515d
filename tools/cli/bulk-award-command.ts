import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import { BULK_FINAL_STATUSES, BULK_SETTLED_STATUSES, BulkAwardView } from '@points/contracts';
import type { Upload } from './catalog-commands';
import { ApiClient, CliError } from './api-client';
import { printJson, printTable, progressBar } from './output';
import { idempotencyHeader } from './session';

const FINAL: readonly string[] = BULK_FINAL_STATUSES;
/** Where following a bulk award stops: it ended, or it waits for an approver. */
const SETTLED: readonly string[] = BULK_SETTLED_STATUSES;
const POLL_MS = 250;

/**
 * `bulk-award --file awards.csv`: uploads the CSV (userId|email,amount,description),
 * with the catalog flags as query parameters (`?description=`), follows the job
 * with a progress bar until it ends, then prints the outcome or every row error.
 */
export const bulkAwardUpload: Upload = {
  options: [new Option('--file <csv>', 'the CSV to upload: a header userId,amount,description (or email in place of userId), then one row per award').makeOptionMandatory().helpGroup('Required:')],
  async run(session, path, fields, options) {
    const csv = readCsv(String(options.file));
    const query = new URLSearchParams(fields).toString();
    const headers = { 'content-type': 'text/csv', ...idempotencyHeader(options.idempotencyKey) };
    const accepted = await session.client.request<BulkAwardView>('POST', `${path}${query ? `?${query}` : ''}`, csv, headers);
    if (!session.json) console.error(`bulk award ${accepted.body.bulkId}: ${accepted.body.total} rows accepted`);
    const final = await follow(session.client, accepted.body, !session.json);
    return printBulkAward(final, session.json);
  },
};

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

async function follow(client: ApiClient, accepted: BulkAwardView, showProgress: boolean): Promise<BulkAwardView> {
  const bar = showProgress ? progressBar() : undefined;
  let bulk = accepted;
  try {
    bar?.update(bulk.processed, bulk.total, bulk.status);
    while (!SETTLED.includes(bulk.status)) {
      await sleep(POLL_MS);
      bulk = (await client.request<BulkAwardView>('GET', accepted.statusUrl)).body;
      bar?.update(bulk.processed, bulk.total, bulk.status);
    }
  } finally {
    bar?.stop();
  }
  return bulk;
}

/** A finished bulk award: what was awarded, or why nothing was (with each row's error); or held for an approver. Exit code 0 (awarded, held, still running) or 2. */
export function printBulkAward(bulk: BulkAwardView, json: boolean): number {
  if (json) printJson(bulk);
  else if (bulk.status === 'succeeded') console.log(`✓ ${bulk.succeeded} colleagues awarded ${bulk.totalAmount} points in total`);
  else if (bulk.status === 'pending_approval') {
    console.log(`… bulk award ${bulk.bulkId} waits for an approver: ${bulk.totalAmount} points for ${bulk.total} colleagues are held (approve or decline ${bulk.bulkId})`);
  } else if (bulk.status === 'declined' || bulk.status === 'expired') console.log(`✗ bulk award ${bulk.status} by its approval: nothing was awarded`);
  else if (FINAL.includes(bulk.status)) {
    console.log(`✗ bulk award ${bulk.status}${bulk.code ? ` (${bulk.code})` : ''}: nothing was awarded (${bulk.failed} rows failed)`);
    if (bulk.errors.length > 0) printTable(bulk.errors.map(({ row, field, message }) => ({ row, field, message })));
  } else console.log(`… bulk award ${bulk.bulkId} is ${bulk.status}: ${bulk.processed}/${bulk.total} rows processed`);
  return bulk.status === 'succeeded' || !FINAL.includes(bulk.status) ? 0 : 2;
}
