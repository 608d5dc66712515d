import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { toCents } from './money';

// Recurring allocations: when a calendar schedule fires, and the invoice number
// each run bills under. Pure, so the gateway (a 400 for a cron that never
// fires), the ledger (which period is due) and the scheduler (what to submit)
// compute the same times.

/** A monthly schedule fires at midnight on the 1st, in its time zone. */
export const MONTHLY_CRON = '0 0 1 * *';

/** The schedule kinds: on a calendar (monthly, or a cron expression), or a top-up when the pool falls below a floor. */
export const SCHEDULE_CADENCES = ['monthly', 'cron', 'top_up'] as const;
export const ScheduleCadence = z.enum(SCHEDULE_CADENCES);
export type ScheduleCadence = z.infer<typeof ScheduleCadence>;

/**
 * Five fields (minute hour day-of-month month day-of-week), firing at most once
 * an hour (one minute value): points are money, and a schedule that fires every
 * minute is a typo, not a plan.
 */
export const CronExpression = z
  .string()
  .trim()
  .max(100)
  .superRefine((expression, ctx) => {
    const problem = cronProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ example: '0 9 1 */3 *' });

function cronProblem(expression: string): string | null {
  if (expression.split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week';
  try {
    const parsed = CronExpressionParser.parse(expression, { tz: 'UTC' });
    if (parsed.fields.minute.values.length !== 1) return 'must fire at most once an hour (give one minute)';
    return null;
  } catch (error) {
    return `is not a cron expression this server reads: ${(error as Error).message}`;
  }
}

/** The cron a calendar schedule fires on. */
export const cronOf = (schedule: { cadence: ScheduleCadence; cron: string | null }): string => (schedule.cadence === 'monthly' ? MONTHLY_CRON : (schedule.cron as string));

/** The first time the schedule fires strictly after `after`. */
export function nextFireTime(cron: string, timeZone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: after }).next().toDate();
}

/** Whether `at` is a time the schedule fires. */
export function isFireTime(cron: string, timeZone: string, at: Date): boolean {
  return nextFireTime(cron, timeZone, new Date(at.getTime() - 1)).getTime() === at.getTime();
}

/**
 * The invoice number of one run: `{yyyy}`, `{mm}`, `{dd}` are the period's date
 * in the schedule's time zone, `{n}` the run's number (1 for the first). No
 * pattern: no invoice number.
 */
export function invoiceNumberOf(pattern: string | null, period: Date, timeZone: string, runNumber: number): string | null {
  if (pattern === null) return null;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(period).map((part) => [part.type, part.value]),
  );
  return pattern.replaceAll('{yyyy}', parts.year).replaceAll('{mm}', parts.month).replaceAll('{dd}', parts.day).replaceAll('{n}', String(runNumber));
}

/**
 * Which terms a cadence takes: a calendar schedule an amount (and a cron for
 * `cron`), a top-up its floor and target and no amount. Checked by the gateway
 * on a new schedule and by the ledger on a changed one; each problem names its field.
 */
export function scheduleShapeProblems(terms: { cadence: ScheduleCadence; cron?: string | null; amount?: string | null; topUpTo?: string | null; whenBelow?: string | null }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const needs = (field: 'cron' | 'amount' | 'topUpTo' | 'whenBelow', wanted: boolean) => {
    const given = terms[field] !== undefined && terms[field] !== null;
    if (wanted && !given) problems.push({ field, message: `required for a ${terms.cadence} schedule` });
    if (!wanted && given) problems.push({ field, message: `not taken by a ${terms.cadence} schedule` });
  };
  const topUp = terms.cadence === 'top_up';
  needs('cron', terms.cadence === 'cron');
  needs('amount', !topUp);
  needs('topUpTo', topUp);
  needs('whenBelow', topUp);
  if (topUp && terms.topUpTo && terms.whenBelow && toCents(terms.whenBelow) > toCents(terms.topUpTo)) problems.push({ field: 'whenBelow', message: 'must be at most topUpTo' });
  return problems;
}
