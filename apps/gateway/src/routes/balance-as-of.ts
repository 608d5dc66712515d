import { AppError, availableOf } from '@points/contracts';
import { AsOfAccount, BalanceAsOf, Orm, balanceAsOf } from '@points/db';

/** An account as of `at`, from its journal; a time to come, or before the account existed, is a 400 naming `asOf`. */
export async function asOf(orm: Orm, account: AsOfAccount, at: string): Promise<BalanceAsOf & { available: string }> {
  const answer = await balanceAsOf(orm.em, account, at);
  if (answer === 'future') throw inTheFuture();
  if (answer === 'before_account') throw new AppError('VALIDATION_FAILED', 'the account did not exist yet at asOf', [{ field: 'asOf', message: 'is before the account existed' }]);
  return { ...answer, available: availableOf(answer) };
}

/** The 400 for a moment still to come. */
export const inTheFuture = () => new AppError('VALIDATION_FAILED', 'asOf is in the future', [{ field: 'asOf', message: 'must not be in the future' }]);
