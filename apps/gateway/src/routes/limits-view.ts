import { LimitPeriod, LimitsView, fromCents, periodContaining, toCents } from '@points/contracts';
import { NO_COUNTERPART, Orm, SettingsVersion, journalSpend, pendingHolds, readTally } from '@points/db';
import { z } from 'zod';

/**
 * The tenant's limits as they stand for one person now: what the ledger's tally
 * counts for this period, or — before the ledger has needed it — what the
 * journal says, which is what the tally will start from.
 */
export async function limitsFor(orm: Orm, current: SettingsVersion, userId: string, now = new Date()): Promise<z.infer<typeof LimitsView>> {
  const { timeZone, limits } = current.settings;
  const usage = async (scope: 'giver' | 'recipient', cap: { amount: string; period: LimitPeriod } | null) => {
    if (!cap) return null;
    const period = periodContaining(now, cap.period, timeZone);
    const tally = await readTally(orm.em, { tenantId: current.tenantId, epoch: current.tallyEpoch, scope, userId, counterpartId: NO_COUNTERPART, periodStart: period.start });
    const used = toCents(tally ?? (await journalSpend(orm.em, current.tenantId, scope, userId, period)));
    const key = { tenantId: current.tenantId, epoch: current.tallyEpoch, scope, userId, counterpartId: NO_COUNTERPART, periodStart: period.start, periodEnd: period.end };
    const [held] = await pendingHolds(orm.em.fork(), [key], []);
    const pending = toCents(held);
    const remaining = toCents(cap.amount) - used - pending;
    return {
      amount: cap.amount,
      period: cap.period,
      periodStart: period.start.toISOString(),
      periodEnd: period.end.toISOString(),
      used: fromCents(used),
      pending: fromCents(pending),
      remaining: fromCents(remaining > 0n ? remaining : 0n),
    };
  };
  return {
    timeZone,
    perAward: limits.perAward,
    asGiver: await usage('giver', limits.perGiver),
    asRecipient: await usage('recipient', limits.perRecipient),
    reciprocal: limits.reciprocal,
  };
}
