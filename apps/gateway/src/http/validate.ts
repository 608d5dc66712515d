import { z } from 'zod';
import { AppError, ErrorDetail } from '@points/contracts';

/** Parses a request part; a failure is a 400 naming every field and why. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params' | 'header'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError('VALIDATION_FAILED', `the request ${part} is invalid`, detailsOf(parsed.error));
}

function detailsOf(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = issue.path.join('.');
    if (keys.length > 0) return { field: keys.map((k) => (path ? `${path}.${k}` : k)).join(', '), message: 'is not an accepted field' };
    return { field: path || '(root)', message: issue.message };
  });
}
