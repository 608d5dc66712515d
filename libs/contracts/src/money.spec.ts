import { Amount, AmountOrZero, fromCents, toCents } from './money';

describe('money', () => {
  it('round-trips decimal strings through integer cents', () => {
    expect(toCents('0.01')).toBe(1n);
    expect(toCents('1000')).toBe(100000n);
    expect(toCents('12.5')).toBe(1250n);
    expect(fromCents(toCents('9999999999999.99'))).toBe('9999999999999.99');
    expect(fromCents(-150n)).toBe('-1.50');
  });

  it.each([
    ['1000', '1000.00'],
    ['0.5', '0.50'],
    [25, '25.00'],
    [0.3, '0.30'],
    ['9999999999999.99', '9999999999999.99'],
  ])('accepts %p as %p', (input, expected) => {
    expect(Amount.parse(input)).toBe(expected);
  });

  it.each([
    ['0', 'zero'],
    [0, 'zero number'],
    ['-1', 'negative'],
    ['1.001', 'three decimals'],
    [0.1 + 0.2, 'float noise'],
    ['10000000000000.00', 'above the maximum'],
    [1e21, 'exponent notation'],
    ['1e3', 'exponent string'],
    ['', 'empty'],
    ['01.00', 'leading zero'],
    [Number.NaN, 'NaN'],
    [null, 'null'],
    [true, 'boolean'],
  ] as [unknown, string][])('refuses %p (%s)', (input) => {
    expect(Amount.safeParse(input).success).toBe(false);
  });

  it('lets recognitions carry 0 points', () => {
    expect(AmountOrZero.parse('0')).toBe('0.00');
    expect(AmountOrZero.safeParse('-0.01').success).toBe(false);
  });
});
