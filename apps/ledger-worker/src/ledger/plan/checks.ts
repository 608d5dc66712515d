// Business checks shared by the rules. Each throws a SPEC error; the planner turns it into a rejection.
import { AppError, Cents, MAX_AMOUNT, MAX_CENTS, fromCents } from '@points/contracts';

/** What a source may spend: its balance less what it holds for awards pending approval. */
export const available = (account: { balance: Cents; held: Cents }): Cents => account.balance - account.held;

/** The source has at least `amount` available; else INSUFFICIENT_BALANCE naming what it has and what was asked. */
export function ensureCovers(balance: Cents, amount: Cents, source: { what: string; field?: string; asked?: string; problem?: string }): void {
  if (balance < amount) {
    const { what, field = 'amount', asked = 'requested', problem = 'exceeds the available balance' } = source;
    throw new AppError('INSUFFICIENT_BALANCE', `${what} has ${fromCents(balance)} available, less than the ${fromCents(amount)} ${asked}`, [
      { field, message: problem, available: fromCents(balance), requested: fromCents(amount) },
    ]);
  }
}

export function ensureFits(total: Cents, field: string, what: string): void {
  if (total > MAX_CENTS) {
    throw new AppError('VALIDATION_FAILED', `${what} would exceed the maximum balance`, [{ field, message: `balance would exceed ${MAX_AMOUNT}` }]);
  }
}

export function selfAward(field: string): AppError {
  return new AppError('FORBIDDEN', 'you cannot award points to yourself', [{ field, message: 'must be someone else' }]);
}
