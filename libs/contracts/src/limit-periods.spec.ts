import { periodContaining } from './limit-periods';
import { DEFAULT_SETTINGS, TenantSettings } from './settings';

const bounds = (at: string, period: 'week' | 'month' | 'quarter', zone: string) => {
  const { start, end } = periodContaining(new Date(at), period, zone);
  return [start.toISOString(), end.toISOString()];
};

describe('periodContaining', () => {
  it('a month runs from local midnight to local midnight', () => {
    // 23:30 on 31 January in Berlin is still January there; 00:30 on 1 February is not.
    expect(bounds('2027-01-31T22:30:00Z', 'month', 'Europe/Berlin')).toEqual(['2026-12-31T23:00:00.000Z', '2027-01-31T23:00:00.000Z']);
    expect(bounds('2027-01-31T23:30:00Z', 'month', 'Europe/Berlin')).toEqual(['2027-01-31T23:00:00.000Z', '2027-02-28T23:00:00.000Z']);
  });

  it('a week starts on Monday and is an hour short across the spring daylight-saving change', () => {
    const [start, end] = bounds('2027-03-26T12:00:00Z', 'week', 'Europe/Berlin');
    expect([start, end]).toEqual(['2027-03-21T23:00:00.000Z', '2027-03-28T22:00:00.000Z']);
    expect((Date.parse(end) - Date.parse(start)) / 3_600_000).toBe(167);
  });

  it('quarters start on 1 January, April, July and October, in zones with half-hour offsets too', () => {
    expect(bounds('2027-05-15T12:00:00Z', 'quarter', 'Asia/Kolkata')).toEqual(['2027-03-31T18:30:00.000Z', '2027-06-30T18:30:00.000Z']);
    expect(bounds('2027-12-31T23:59:59Z', 'quarter', 'UTC')).toEqual(['2027-10-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });
});

describe('TenantSettings', () => {
  it('fills what is left out with its default: no limits, no approvals, no giver reversals, no expiry, UTC', () => {
    expect(TenantSettings.parse({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toEqual({ timeZone: 'UTC', limits: { perAward: null, perGiver: null, perRecipient: null, reciprocal: null }, approvals: null, reversals: null, expiry: null, budgetReturn: null });
  });

  it('normalises amounts and refuses what is not a known zone, period or count', () => {
    expect(TenantSettings.parse({ limits: { perAward: 5, perGiver: { amount: '10.5', period: 'week' } } }).limits).toMatchObject({ perAward: '5.00', perGiver: { amount: '10.50' } });
    for (const bad of [{ timeZone: 'Nowhere/Land' }, { timeZone: 'UTC+2' }, { limits: { perGiver: { amount: '1', period: 'day' } } }, { limits: { reciprocal: { maxAwards: -1, period: 'week' } } }, { extra: true }]) {
      expect(TenantSettings.safeParse(bad).success).toBe(false);
    }
  });
});
