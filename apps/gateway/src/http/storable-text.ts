import { AppError } from '@points/contracts';

/**
 * Text PostgreSQL cannot store: a NUL character (text and jsonb refuse it) or
 * an unpaired UTF-16 surrogate (not valid Unicode; jsonb refuses its escape).
 * Caught at the door so such a request is a 400 naming the field, never a
 * failed statement (500) after part of the work.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (text: string) => !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);

/** Deeper than any request of this API; a deeper body is refused (400) before anything walks it. */
export const MAX_NESTING = 32;

export class TooDeeplyNested extends AppError {
  constructor(path: string) {
    super('VALIDATION_FAILED', `the request is nested more than ${MAX_NESTING} levels deep`, [{ field: path || '(root)', message: `nesting deeper than ${MAX_NESTING} levels` }]);
  }
}

/**
 * The path of the first string (or object key) in `value` that cannot be
 * stored, or null. Walks with a stack of its own, depth-first in document
 * order, so a body nested 100,000 levels deep costs a 400, not a stack overflow.
 */
export function unstorableTextIn(value: unknown): string | null {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop() as { value: unknown; path: string[] };
    if (typeof current === 'string') {
      if (!storable(current)) return path.join('.') || '(root)';
      continue;
    }
    if (!current || typeof current !== 'object') continue;
    if (path.length >= MAX_NESTING) throw new TooDeeplyNested(path.slice(0, 3).join('.'));
    const entries = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    for (const [key] of entries) if (!Array.isArray(current) && !storable(key)) return [...path, JSON.stringify(key)].join('.');
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i][1], path: [...path, entries[i][0]] });
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
