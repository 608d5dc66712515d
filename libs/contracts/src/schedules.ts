import { CronExpression as ParsedCron, CronExpressionParser } from 'cron-parser';
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
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week';
  // cron-parser reads H as a random value, drawn again at every parse: a period would move each time it is computed.
  if (fields.some((field) => field.split(',').some((part) => /^H|\?/i.test(part)))) return 'H and ? are not taken: give the minute, hour and days';
  let parsed: ParsedCron;
  try {
    parsed = CronExpressionParser.parse(expression, { tz: 'UTC' });
  } catch (error) {
    return `is not a cron expression this server reads: ${(error as Error).message}`;
  }
  if (parsed.fields.minute.values.length !== 1) return 'must fire at most once an hour (give one minute)';
  // Days of the month that none of its months has (31 in February and April), with any weekday: it would never fire.
  const { dayOfMonth, dayOfWeek, month } = parsed.fields;
  const days = (dayOfMonth.values as unknown[]).filter((day): day is number => typeof day === 'number');
  if (!dayOfMonth.isWildcard && dayOfWeek.isWildcard && days.length === dayOfMonth.values.length && (month.values as unknown[]).every((m) => Math.min(...days) > DAYS_IN_MONTH[Number(m) - 1])) return 'never fires';
  return null;
}

/** The most days each month has (February: in a leap year). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The cron a calendar schedule fires on. */
export const cronOf = (schedule: { cadence: ScheduleCadence; cron: string | null }): string => (schedule.cadence === 'monthly' ? MONTHLY_CRON : (schedule.cron as string));

/**
 * The first time the schedule fires strictly after `after`; null if it never
 * does. The cron is read against the zone's wall clock (cron-parser in UTC,
 * over local times), and each wall time is then placed in the zone: a time the
 * zone skips (a daylight-saving gap) runs as long after the gap as it was into
 * it, a time the zone repeats runs at its first occurrence. So every period has
 * exactly one moment, in any zone. (cron-parser's own zone handling loops in
 * some zones' gaps, e.g. Australia/Lord_Howe.)
 */
export function nextFireTime(cron: string, timeZone: string, after: Date): Date | null {
  let cursor = wallClock(after, timeZone);
  for (let step = 0; step < 1_000; step++) {
    let wall: number;
    try {
      wall = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(cursor) }).next().getTime();
    } catch {
      return null;
    }
    const moment = placeInZone(wall, timeZone);
    if (moment.getTime() > after.getTime()) return moment;
    cursor = wall;
  }
  return null;
}

/** The wall-clock time of `at` in `zone`, as milliseconds of the same reading in UTC. */
function wallClock(at: Date, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  );
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + at.getUTCMilliseconds();
}

/** The moment a wall-clock time happens in `zone`: its first occurrence, or — skipped by the zone — as long after the gap as it was into it. */
function placeInZone(wall: number, zone: string): Date {
  const offsets = [-36, -12, 0, 12, 36].map((hours) => wallClock(new Date(wall + hours * 3_600_000), zone) - (wall + hours * 3_600_000));
  const candidates = [...new Set(offsets)].map((offset) => wall - offset).sort((a, b) => a - b);
  const exact = candidates.find((moment) => wallClock(new Date(moment), zone) === wall);
  return new Date(exact ?? (candidates.find((moment) => wallClock(new Date(moment), zone) > wall) as number));
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
