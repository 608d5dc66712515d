import { AppError, Cents, ScheduleRunResult, cronOf, fromCents, invoiceNumberOf, nextFireTime, scheduleShapeProblems, toCents } from '@points/contracts';
import { ScheduleRow, scheduleResultOf } from '@points/db';
import { available } from '../checks';
import { LedgerBook } from '../ledger-book';
import { CommandRule } from './command-rule';
import { changePool } from './pool-change';

// Recurring allocations. A schedule is changed and run only with its tenant's
// pool and its own row locked, so its next period and run count are read and
// advanced by one command at a time; each run is an allocation like any other,
// and `allocation_schedule_runs` (keyed by schedule and period) makes a second
// allocation of a period impossible, whatever submitted it.

/** A schedule the batch locked; a deleted one is reported as missing. */
function scheduleOf(book: LedgerBook, scheduleId: string): ScheduleRow {
  const schedule = book.state.schedules.get(scheduleId);
  if (!schedule || schedule.deletedAt) throw new AppError('NOT_FOUND', 'schedule not found', [{ field: 'scheduleId', message: 'no such schedule' }]);
  return schedule;
}

/** A calendar schedule's first period after `at`; a top-up has none. A calendar that fires no more is refused. */
function nextPeriodAfter(schedule: Pick<ScheduleRow, 'cadence' | 'cron' | 'timeZone'>, at: Date): Date | null {
  if (schedule.cadence === 'top_up') return null;
  const next = nextFireTime(cronOf(schedule), schedule.timeZone, at);
  if (!next) throw new AppError('VALIDATION_FAILED', `the schedule's cron fires no more after ${at.toISOString()} in ${schedule.timeZone}`, [{ field: 'cron', message: 'never fires' }]);
  return next;
}

export const createSchedule: CommandRule<'create_schedule'> = {
  accounts: (command, keys) => keys.tenantIds.push(command.payload.tenantId),
  plan: (book, command, issuer) => {
    const terms = command.payload;
    const tenantId = book.pool(terms.tenantId).tenantId;
    const schedule: ScheduleRow = {
      id: book.newId(),
      tenantId,
      cadence: terms.cadence,
      cron: terms.cron ?? null,
      timeZone: terms.timeZone ?? 'UTC',
      amount: terms.amount ?? null,
      topUpTo: terms.topUpTo ?? null,
      whenBelow: terms.whenBelow ?? null,
      currency: terms.currency,
      referenceNote: terms.referenceNote,
      invoicePattern: terms.invoicePattern ?? null,
      ownerId: issuer.id,
      paused: false,
      deletedAt: null,
      nextRunAt: null,
      lastRunAt: null,
      runs: 0,
    };
    schedule.nextRunAt = nextPeriodAfter(schedule, book.now);
    book.state.schedules.set(schedule.id, schedule);
    book.writes.newSchedules.push(schedule);
    const view = scheduleResultOf(schedule);
    book.succeed(command, view);
    book.emit(command, { type: 'schedule.created', tenantId, schedule: view });
  },
};

export const updateSchedule: CommandRule<'update_schedule'> = {
  accounts: (command, keys) => keys.schedules.push(command.payload.scheduleId),
  plan: (book, command, issuer) => {
    const { scheduleId, paused, ...terms } = command.payload;
    const schedule = scheduleOf(book, scheduleId);
    const before = scheduleResultOf(schedule);
    const pick = <K extends keyof typeof terms>(field: K, current: string | null) => (terms[field] === undefined ? current : (terms[field] as string | null));
    const next = {
      cron: pick('cron', schedule.cron),
      timeZone: pick('timeZone', schedule.timeZone) as string,
      amount: pick('amount', schedule.amount),
      topUpTo: pick('topUpTo', schedule.topUpTo),
      whenBelow: pick('whenBelow', schedule.whenBelow),
      currency: pick('currency', schedule.currency) as string,
      referenceNote: pick('referenceNote', schedule.referenceNote) as string,
      invoicePattern: pick('invoicePattern', schedule.invoicePattern),
    };
    const problems = scheduleShapeProblems({ cadence: schedule.cadence, ...next });
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', `these terms do not fit a ${schedule.cadence} schedule`, problems);

    const calendarChanged = next.cron !== schedule.cron || next.timeZone !== schedule.timeZone;
    const resumed = schedule.paused && paused === false;
    // Periods passed while paused, or under the old calendar, are not allocated: the schedule goes on from now.
    const nextRunAt = calendarChanged || resumed ? nextPeriodAfter({ cadence: schedule.cadence, cron: next.cron, timeZone: next.timeZone }, book.now) : schedule.nextRunAt;
    Object.assign(schedule, next, { paused: paused ?? schedule.paused, ownerId: issuer.id, nextRunAt });
    book.writes.changedSchedules.add(schedule);
    const after = scheduleResultOf(schedule);
    book.succeed(command, after);
    book.emit(command, { type: 'schedule.updated', tenantId: schedule.tenantId, before, after });
  },
};

export const deleteSchedule: CommandRule<'delete_schedule'> = {
  accounts: (command, keys) => keys.schedules.push(command.payload.scheduleId),
  plan: (book, command) => {
    const schedule = scheduleOf(book, command.payload.scheduleId);
    schedule.deletedAt = book.now;
    book.writes.changedSchedules.add(schedule);
    const view = scheduleResultOf(schedule);
    book.succeed(command, view);
    book.emit(command, { type: 'schedule.deleted', tenantId: schedule.tenantId, schedule: view });
  },
};

/**
 * One run: a calendar schedule allocates its next period once it has come
 * (periods run in order; an earlier one is passed, a later one not yet due); a
 * top-up allocates what brings the pool's available balance up to its target
 * while that balance is below its floor, keyed by the pool's version. Nothing
 * due is a success that allocated nothing, so a scheduler firing twice, late or
 * on two instances changes nothing the second time.
 */
export const runSchedule: CommandRule<'run_schedule'> = {
  accounts: (command, keys) => keys.schedules.push(command.payload.scheduleId),
  plan: (book, command) => {
    const schedule = scheduleOf(book, command.payload.scheduleId);
    const pool = book.pool(schedule.tenantId);
    const nothing = (reason: ScheduleRunResult['reason'], periodKey: string | null = null) => {
      const result: ScheduleRunResult = { scheduleId: schedule.id, tenantId: schedule.tenantId, periodKey, allocated: false, reason, amount: null, invoiceNumber: null, pool: null, nextRunAt: scheduleResultOf(schedule).nextRunAt };
      book.succeed(command, result);
      book.emit(command, { type: 'schedule.skipped', tenantId: schedule.tenantId, scheduleId: schedule.id, reason, periodKey });
    };
    if (schedule.paused) return nothing('paused');

    let due: { periodKey: string; periodDate: Date; amount: Cents; nextRunAt: Date | null };
    if (schedule.cadence === 'top_up') {
      if (command.payload.periodKey !== undefined) throw new AppError('VALIDATION_FAILED', 'a top-up runs when the pool is low, not by period', [{ field: 'periodKey', message: 'not taken by a top_up schedule' }]);
      const has = available(pool);
      if (has >= toCents(schedule.whenBelow as string)) return nothing('not_low');
      due = { periodKey: `top-up@${pool.version}`, periodDate: book.now, amount: toCents(schedule.topUpTo as string) - has, nextRunAt: null };
    } else {
      const next = schedule.nextRunAt as Date;
      const asked = command.payload.periodKey === undefined ? next : new Date(command.payload.periodKey);
      if (asked < next) return nothing('period_passed', asked.toISOString());
      if (asked > next) throw new AppError('VALIDATION_FAILED', 'that period is not the next one due', [{ field: 'periodKey', message: `the next period due is ${next.toISOString()}` }]);
      if (next > book.now) return nothing('not_due');
      due = { periodKey: next.toISOString(), periodDate: next, amount: toCents(schedule.amount as string), nextRunAt: nextPeriodAfter(schedule, next) };
    }

    const amount = fromCents(due.amount);
    const invoiceNumber = invoiceNumberOf(schedule.invoicePattern, due.periodDate, schedule.timeZone, schedule.runs + 1);
    const { pool: moved } = changePool(book, command, { kind: 'allocation', tenantId: schedule.tenantId, amount, referenceNote: schedule.referenceNote, currency: schedule.currency, invoiceNumber });
    book.writes.scheduleRuns.push({ schedule_id: schedule.id, period_key: due.periodKey, tenant_id: schedule.tenantId, command_id: command.id, amount });
    Object.assign(schedule, { runs: schedule.runs + 1, lastRunAt: book.now, nextRunAt: due.nextRunAt });
    book.writes.changedSchedules.add(schedule);
    const result: ScheduleRunResult = { scheduleId: schedule.id, tenantId: schedule.tenantId, periodKey: due.periodKey, allocated: true, reason: 'allocated', amount, invoiceNumber, pool: moved, nextRunAt: scheduleResultOf(schedule).nextRunAt };
    book.succeed(command, result);
    const schedulePeriod = { scheduleId: schedule.id, periodKey: due.periodKey };
    book.emit(command, { type: 'points.allocated', tenantId: schedule.tenantId, amount, currency: schedule.currency, referenceNote: schedule.referenceNote, invoiceNumber, pool: moved, schedule: schedulePeriod });
  },
};
