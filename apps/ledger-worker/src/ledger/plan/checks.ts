import { AppError, Cents, MAX_CENTS, fromCents } from '@points/contracts';

/** Business checks shared by the rules. Each throws a SPEC error; the planner turns it into a rejection. */
export function ensureCovers(balance: Cents, amount: Cents, what: string, field = 'amount'): void {
  if (balance < amount) {
    throw new AppError('INSUFFICIENT_BALANCE', `${what} holds ${fromCents(balance)}, less than the ${fromCents(amount)} requested`, [
      { field, message: 'exceeds the available balance', available: fromCents(balance), requested: fromCents(amount) },
    ]);
  }
}

export function ensureFits(total: Cents, field: string, what: string): void {
  if (total > MAX_CENTS) {
    throw new AppError('VALIDATION_FAILED', `${what} would exceed the maximum balance`, [{ field, message: 'balance would exceed 9999999999999.99' }]);
  }
}

export function selfAward(field: string): AppError {
  return new AppError('FORBIDDEN', 'you cannot award points to yourself', [{ field, message: 'must be someone else' }]);
}
