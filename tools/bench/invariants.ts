// After every end-to-end run: the operators' SQL (tools/sql) on the benchmark's
// database. Any row they return is a broken SPEC invariant; the run fails.
import { EntityManager } from '@mikro-orm/postgresql';
import { accountingCheck, journalProblems, notificationProblems } from '../chaos/sql';

export interface InvariantReport {
  after: string;
  problems: string[];
}

export async function checkInvariants(em: EntityManager, after: string): Promise<InvariantReport> {
  const [accounting, journals, notifications] = await Promise.all([accountingCheck(em), journalProblems(em), notificationProblems(em)]);
  const problems = [
    ...accounting.filter((row) => !row.balanced).map((row) => `accounting-check.sql: tenant ${row.slug} not balanced (net allocated ${row.net_allocated}, held ${row.held})`),
    ...journals.map((row) => `journal-check.sql: ${row.account_type} ${row.account_id} v${row.version}: ${row.problem}`),
    ...notifications.map((row) => `notification-check.sql: ${row.problem} (${row.kind} ${row.ref})`),
  ];
  return { after, problems };
}

/** Invariants 2 and 3 alone (a scratch database with no events): the accounting and journal checks. */
export async function accountingProblems(em: EntityManager): Promise<string[]> {
  const [accounting, journals] = await Promise.all([accountingCheck(em), journalProblems(em)]);
  return [
    ...accounting.filter((row) => !row.balanced).map((row) => `accounting-check.sql: tenant ${row.slug} not balanced (net allocated ${row.net_allocated}, held ${row.held})`),
    ...journals.map((row) => `journal-check.sql: ${row.account_type} ${row.account_id} v${row.version}: ${row.problem}`),
  ];
}
