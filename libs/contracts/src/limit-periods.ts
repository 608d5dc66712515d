import { DateTime } from 'luxon';
import { LimitPeriod } from './settings';

/** A calendar period in a time zone, as the instants it starts and ends at (end exclusive). */
export interface PeriodBounds {
  start: Date;
  end: Date;
}

/**
 * The week (from Monday), month or quarter containing `at`, in `timeZone`:
 * local midnight to local midnight, so a period is 167 or 169 hours long across
 * a daylight-saving change, as the people who live there count it.
 */
export function periodContaining(at: Date, period: LimitPeriod, timeZone: string): PeriodBounds {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) throw new Error(`unknown time zone ${timeZone}`);
  const start = local.startOf(period);
  const end = start.plus({ [`${period}s`]: 1 }).startOf(period);
  return { start: start.toJSDate(), end: end.toJSDate() };
}
