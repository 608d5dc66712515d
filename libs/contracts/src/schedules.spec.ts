import { CronExpression, invoiceNumberOf, nextFireTime, scheduleShapeProblems } from './schedules';

const fires = (cron: string, zone: string, from: string, count: number) => {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    const next = nextFireTime(cron, zone, at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
};

describe('nextFireTime', () => {
  it('reads the cron on the zone’s wall clock: midnight on the 1st in Berlin', () => {
    expect(fires('0 0 1 * *', 'Europe/Berlin', '2026-11-25T00:00:00Z', 2)).toEqual(['2026-11-30T23:00:00.000Z', '2026-12-31T23:00:00.000Z']);
  });

  it('runs a time the zone skips just after the gap, and a repeated one once, at its first occurrence', () => {
    // 02:00 on 8 March 2026 does not exist in New York: 03:00 EDT.
    expect(fires('0 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z']);
    // 01:30 on 1 November 2026 happens twice in New York: the first (EDT).
    expect(fires('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // Santiago skips midnight on 6 September 2026.
    expect(fires('0 0 * * *', 'America/Santiago', '2026-09-05T12:00:00Z', 2)).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });

  it('steps over a half-hour change the cron library loops on (Lord Howe) quickly', () => {
    const started = Date.now();
    expect(fires('0 2 * * *', 'Australia/Lord_Howe', '2026-04-03T00:00:00Z', 3)).toEqual(['2026-04-03T15:00:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T15:30:00.000Z']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is null for a cron that never fires; 29 February waits for a leap year', () => {
    expect(nextFireTime('0 0 31 2,4,6,9,11 *', 'UTC', new Date('2026-01-01T00:00:00Z'))).toBeNull();
    expect(fires('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });
});

describe('CronExpression', () => {
  it.each([
    ['* * * * *', 'at most once an hour'],
    ['0 H * * *', 'H and ? are not taken'],
    ['0 0 ? * *', 'H and ? are not taken'],
    ['0 0 31 2,4,6,9,11 *', 'never fires'],
    ['0 0 * * * *', 'five fields'],
  ])('refuses %s (%s)', (cron, problem) => {
    const parsed = CronExpression.safeParse(cron);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toContain(problem);
  });

  it('takes names, lists, ranges and steps', () => {
    expect(CronExpression.safeParse('15 9 * JAN-MAR MON,THU').success).toBe(true);
    expect(CronExpression.safeParse('0 */6 1-7 * *').success).toBe(true);
  });
});

describe('the terms of a cadence and the invoice number', () => {
  it('names each field a cadence lacks or does not take', () => {
    expect(scheduleShapeProblems({ cadence: 'top_up', amount: '1', topUpTo: '5', whenBelow: '9' })).toEqual([
      { field: 'amount', message: 'not taken by a top_up schedule' },
      { field: 'whenBelow', message: 'must be at most topUpTo' },
    ]);
    expect(scheduleShapeProblems({ cadence: 'cron', amount: '1' })).toEqual([{ field: 'cron', message: 'required for a cron schedule' }]);
  });

  it('fills the period’s date in the schedule’s zone and the run number', () => {
    expect(invoiceNumberOf('ACME-{yyyy}{mm}{dd}-{n}', new Date('2026-11-30T23:00:00Z'), 'Europe/Berlin', 7)).toBe('ACME-20261201-7');
    expect(invoiceNumberOf(null, new Date(), 'UTC', 1)).toBeNull();
  });
});
