import { z } from 'zod';

/**
 * Money on the ledger path is never a binary float. Amounts travel as decimal
 * strings ("1000.00"), are stored as NUMERIC(15,2), and any arithmetic the code
 * has to do is done on integer cents held in a BigInt.
 */
export type Cents = bigint;

/** Largest value NUMERIC(15,2) holds: 9,999,999,999,999.99. */
export const MAX_AMOUNT = '9999999999999.99';
export const MAX_CENTS: Cents = 999_999_999_999_999n;

const DECIMAL = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;

/** Parses a canonical-or-short decimal string ("5", "5.5", "5.50") into cents. */
export function toCents(amount: string): Cents {
  const match = DECIMAL.exec(amount);
  if (!match) throw new RangeError(`not a decimal amount with at most 2 places: ${amount}`);
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Formats cents as the canonical two-place decimal string. */
export function fromCents(cents: Cents): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** What an account may spend: its balance less what it holds for awards pending approval (decimal strings in and out). */
export function availableOf(account: { balance: string; held: string }): string {
  return fromCents(toCents(account.balance) - toCents(account.held));
}

/** PostgreSQL returns NUMERIC as a string; normalise it to two places. */
export function normaliseAmount(value: string | number): string {
  return fromCents(toCents(typeof value === 'number' ? value.toString() : value));
}

/**
 * A request amount: a JSON string or number, > 0, at most 2 decimals, at most
 * MAX_AMOUNT. Numbers are accepted only when their shortest decimal rendering
 * already has at most 2 places, so 0.1 + 0.2 (0.30000000000000004) is refused
 * rather than silently rounded.
 */
function amountSchema(options: { allowZero: boolean }) {
  const smallest = options.allowZero ? '0' : '0.01';
  return z
    .union([
      z.string().meta({ pattern: DECIMAL.source, example: '1000.00' }),
      z.number().meta({ minimum: Number(smallest), maximum: Number(MAX_AMOUNT), multipleOf: 0.01, example: 1000 }),
    ])
    .meta({ description: `a decimal amount, from ${smallest} to ${MAX_AMOUNT} with at most 2 places: a string such as "1000.00" (or a JSON number)` })
    .transform((raw, ctx) => {
      const text = typeof raw === 'number' ? numberToPlainString(raw) : raw.trim();
      if (text === null || !DECIMAL.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a decimal with at most 2 places and at most ${MAX_AMOUNT}`,
        });
        return z.NEVER;
      }
      const cents = toCents(text);
      if (cents === 0n && !options.allowZero) {
        ctx.addIssue({ code: 'custom', message: 'must be greater than 0' });
        return z.NEVER;
      }
      return fromCents(cents);
    });
}

function numberToPlainString(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const text = value.toString();
  return /e/i.test(text) ? null : text;
}

/** Strictly positive amount, normalised to "123.40". */
export const Amount = amountSchema({ allowZero: false });
/** Zero or positive amount (recognitions may be plain 0-point kudos). */
export const AmountOrZero = amountSchema({ allowZero: true });
/** A stored, canonical decimal string as it appears in responses and events. */
export const Decimal = z
  .string()
  .regex(/^-?\d{1,13}\.\d{2}$/)
  .meta({ description: 'a decimal amount as a string with exactly 2 places', example: '1000.00' });
