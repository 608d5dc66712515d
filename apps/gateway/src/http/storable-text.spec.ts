import { MAX_NESTING, TooDeeplyNested, unstorableTextIn } from './storable-text';

describe('unstorableTextIn', () => {
  it('accepts ordinary text, emoji (a paired surrogate), SQL metacharacters and nested values', () => {
    expect(unstorableTextIn({ name: "Robert'); DROP TABLE users;--", note: 'thanks 🎉', items: [{ description: 'ok' }], n: 1, none: null })).toBeNull();
  });

  it.each([
    ['a NUL character', { message: 'a\u0000b' }, 'message'],
    ['a lone high surrogate', { items: [{ description: 'x\ud800' }] }, 'items.0.description'],
    ['a lone low surrogate', ['fine', '\udc00'], '1'],
    ['a NUL in a key', { 'bad\u0000key': 1 }, '"bad\\u0000key"'],
    ['a bare string', '\u0000', '(root)'],
  ])('names the field holding %s', (_what, value, field) => {
    expect(unstorableTextIn(value)).toBe(field);
  });

  it(`refuses a value nested more than ${MAX_NESTING} levels deep without overflowing the stack (1,000,000 levels)`, () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(() => unstorableTextIn(deep)).toThrow(TooDeeplyNested);
    let fine: unknown = 'x';
    for (let i = 0; i < MAX_NESTING; i++) fine = { a: fine };
    expect(unstorableTextIn(fine)).toBeNull();
  });
});
