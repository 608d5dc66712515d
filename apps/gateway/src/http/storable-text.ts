import { AppError } from '@points/contracts';

/**
 * Text PostgreSQL cannot store: a NUL character (text and jsonb refuse it) or
 * an unpaired UTF-16 surrogate (not valid Unicode; jsonb refuses its escape).
 * Caught at the door so such a request is a 400 naming the field, never a
 * failed statement (500) after part of the work.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (text: string) => !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);

/** The path of the first string (or object key) in `value` that cannot be stored, or null. */
export function unstorableTextIn(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return storable(value) ? null : path.join('.') || '(root)';
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextIn(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!storable(key)) return [...path, JSON.stringify(key)].join('.');
      const found = unstorableTextIn(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses a request part holding text that cannot be stored (400, VALIDATION_FAILED, naming the field). */
export function ensureStorableText(part: 'body' | 'query' | 'params' | 'header', value: unknown): void {
  const field = unstorableTextIn(value);
  if (field) {
    throw new AppError('VALIDATION_FAILED', `the request ${part} holds text that cannot be stored`, [{ field, message: 'contains a NUL character or an unpaired surrogate' }]);
  }
}
