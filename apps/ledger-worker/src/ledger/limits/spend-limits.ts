import { AppError, Cents, LimitPeriod, fromCents, hasPeriodLimits, periodContaining, toCents } from '@points/contracts';
import { NO_COUNTERPART, RecipientTallies, SettingsVersion, TallyKey, TallyScope, tallyKeyString } from '@points/db';

// The tenant's spend limits (its settings), checked against locked tallies
// inside the ledger transaction. Pure: the loader seeds and locks the tallies
// these keys name, the planner checks and records moves in memory, the writer
// adds them up in PostgreSQL.

/**
 * Points given by one person to another: what a limit counts. A bulk award is a
 * gift to many (`recipientId` null): its rows are checked and counted set-based
 * (bulk-award-facts.ts), so only the giver's tally is kept here.
 */
export interface Gift {
  tenantId: string;
  giverId: string;
  recipientId: string | null;
}

/** A tally in memory: its key and what it counts so far (this batch's moves included). */
export interface Tally {
  key: TallyKey;
  amount: Cents;
  awards: number;
  /** Held by awards pending approval in the period (a giver's or recipient's tally): spoken for, not yet moved. */
  pending: Cents;
}

/** The tallies a gift is checked against under these settings (none when no limit counts over a period). */
export function tallyKeysFor(gift: Gift, settings: SettingsVersion, at: Date): TallyKey[] {
  if (!hasPeriodLimits(settings.settings)) return [];
  const { perGiver, perRecipient, reciprocal } = settings.settings.limits;
  const key = (scope: TallyScope, userId: string, counterpartId: string, period: LimitPeriod): TallyKey => {
    const bounds = periodContaining(at, period, settings.settings.timeZone);
    return { tenantId: gift.tenantId, epoch: settings.tallyEpoch, scope, userId, counterpartId, periodStart: bounds.start, periodEnd: bounds.end };
  };
  const keys: TallyKey[] = [];
  if (perGiver) keys.push(key('giver', gift.giverId, NO_COUNTERPART, perGiver.period));
  if (gift.recipientId === null) return keys;
  if (perRecipient) keys.push(key('recipient', gift.recipientId, NO_COUNTERPART, perRecipient.period));
  if (reciprocal) keys.push(key('pair', gift.giverId, gift.recipientId, reciprocal.period), key('pair', gift.recipientId, gift.giverId, reciprocal.period));
  return keys;
}

/**
 * Refuses a gift that a limit of `settings` forbids: LIMIT_EXCEEDED naming the
 * limit, its period and what remains, or RECIPROCAL_LIMIT_EXCEEDED. Nothing is
 * recorded; `recordGift` does that once every other check has passed.
 */
export function ensureWithinLimits(gift: Gift, amount: Cents, settings: SettingsVersion, tallies: Map<string, Tally>, at: Date, field: string, amountField = 'amount'): void {
  const { perAward, perGiver, perRecipient, reciprocal } = settings.settings.limits;
  const recipientId = gift.recipientId;
  if (perAward && recipientId && amount > toCents(perAward)) {
    throw new AppError('LIMIT_EXCEEDED', `at most ${perAward} points may be given in one award`, [
      { field: amountField, message: `exceeds the per-award limit of ${perAward}`, limit: 'perAward', limitAmount: perAward, requested: fromCents(amount), remaining: perAward },
    ]);
  }
  const keys = tallyKeysFor(gift, settings, at);
  const tally = (scope: TallyScope, userId: string, counterpartId = NO_COUNTERPART) => tallyFor(tallies, keys, scope, userId, counterpartId);
  const periodCap = (limit: 'perGiver' | 'perRecipient', cap: { amount: string; period: LimitPeriod }, counted: Tally, who: string, fieldName: string) => {
    const remaining = toCents(cap.amount) - counted.amount - counted.pending;
    if (amount <= remaining) return;
    throw new AppError('LIMIT_EXCEEDED', `${who} ${fromCents(remaining < 0n ? 0n : remaining)} more points this ${cap.period} (limit ${cap.amount})`, [
      {
        field: fieldName,
        message: `exceeds the ${limit} limit of ${cap.amount} per ${cap.period}`,
        limit,
        period: cap.period,
        periodStart: counted.key.periodStart.toISOString(),
        periodEnd: counted.key.periodEnd.toISOString(),
        limitAmount: cap.amount,
        used: fromCents(counted.amount),
        pending: fromCents(counted.pending),
        remaining: fromCents(remaining < 0n ? 0n : remaining),
        requested: fromCents(amount),
      },
    ]);
  };
  if (perGiver) periodCap('perGiver', perGiver, tally('giver', gift.giverId), 'you may give', recipientId ? amountField : field);
  if (!recipientId) return;
  if (perRecipient) periodCap('perRecipient', perRecipient, tally('recipient', recipientId), 'the recipient may receive', field);
  if (reciprocal) {
    const received = tally('pair', recipientId, gift.giverId);
    const returned = tally('pair', gift.giverId, recipientId);
    if (received.awards > 0 && returned.awards >= reciprocal.maxAwards) {
      throw new AppError('RECIPROCAL_LIMIT_EXCEEDED', `this colleague gave you points this ${reciprocal.period}; you may give back at most ${reciprocal.maxAwards} time(s) in it`, [
        {
          field,
          message: `reciprocal awards are limited to ${reciprocal.maxAwards} per ${reciprocal.period}`,
          limit: 'reciprocal',
          period: reciprocal.period,
          periodStart: returned.key.periodStart.toISOString(),
          periodEnd: returned.key.periodEnd.toISOString(),
          maxAwards: reciprocal.maxAwards,
          used: returned.awards,
          remaining: Math.max(0, reciprocal.maxAwards - returned.awards),
        },
      ]);
    }
  }
}

/** The tallies a gift adds to under these settings: its giver's, its recipient's and its pair's (giver → recipient). */
export function giftTallyKeys(gift: Gift, settings: SettingsVersion, at: Date): TallyKey[] {
  return tallyKeysFor(gift, settings, at).filter((key) => key.scope !== 'pair' || key.userId === gift.giverId);
}

function tallyFor(tallies: Map<string, Tally>, keys: TallyKey[], scope: TallyScope, userId: string, counterpartId: string): Tally {
  const key = keys.find((k) => k.scope === scope && k.userId === userId && k.counterpartId === counterpartId);
  const tally = key && tallies.get(tallyKeyString(key));
  if (!tally) throw new Error(`tally ${scope} of ${userId} was not loaded`);
  return tally;
}

/** The recipient tallies a bulk award's rows are checked against and counted in under these settings (none without a per-recipient cap). */
export function recipientTallies(settings: SettingsVersion, at: Date): RecipientTallies | null {
  const cap = settings.settings.limits.perRecipient;
  if (!cap) return null;
  const period = periodContaining(at, cap.period, settings.settings.timeZone);
  return { tenantId: settings.tenantId, epoch: settings.tallyEpoch, periodStart: period.start, periodEnd: period.end };
}
