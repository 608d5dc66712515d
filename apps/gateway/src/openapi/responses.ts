import { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorCode, ErrorResponse, assertUnreachable, httpStatusOf } from '@points/contracts';

/** What each SPEC error code means to a client, for the API reference. */
export function describeError(code: ErrorCode): string {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 'VALIDATION_FAILED: the request is invalid; details name each field and why';
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED: missing, expired or forged token, or the user is no longer active';
    case 'FORBIDDEN':
      return 'FORBIDDEN: your role may not do this';
    case 'NOT_FOUND':
      return 'NOT_FOUND: no such resource, or it belongs to another tenant';
    case 'IDEMPOTENCY_KEY_REUSED':
      return 'IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was used with another request';
    case 'ALREADY_DECIDED':
      return 'ALREADY_DECIDED: the pending award was approved, declined or released already';
    case 'INSUFFICIENT_BALANCE':
      return 'INSUFFICIENT_BALANCE: the source has less available (its balance less what is held for pending awards) than requested';
    case 'LIMIT_EXCEEDED':
      return "LIMIT_EXCEEDED: a spend limit of the tenant's settings; details name the limit, the period and what remains";
    case 'RECIPROCAL_LIMIT_EXCEEDED':
      return 'RECIPROCAL_LIMIT_EXCEEDED: the recipient gave points to the giver this period, and the tenant caps how often that is returned';
    case 'RATE_LIMITED':
      return 'RATE_LIMITED: too many requests; see Retry-After';
    case 'SERVICE_UNAVAILABLE':
      return 'SERVICE_UNAVAILABLE: a backing service is down; nothing was accepted, try again shortly';
    case 'INTERNAL':
      return 'INTERNAL: an unexpected error; nothing about it is shown';
    default:
      return assertUnreachable(code);
  }
}

/** An error body whose `code` is one of the given codes. */
export function errorBodyWith(codes: readonly ErrorCode[]) {
  return ErrorResponse.extend({
    error: ErrorResponse.shape.error.extend({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }),
  });
}

/** One documented response per HTTP status, listing only the codes a route can answer with at that status. */
export function errorResponses(codes: readonly ErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(httpStatusOf(code), [...(byStatus.get(httpStatusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      { description: group.map(describeError).join('; '), content: { 'application/json': { schema: errorBodyWith(group), examples: errorExamples(group) } } },
    ]),
  );
}

/** One example body per code, so the reference shows each code a response can carry (with what else the body holds). */
export function errorExamples(codes: readonly ErrorCode[], alongside: (error: { code: ErrorCode; message: string }) => object = () => ({})) {
  return Object.fromEntries(
    codes.map((code) => {
      const error = { code, message: describeError(code).replace(/^[A-Z_]+: /, '') };
      return [code, { summary: code, value: { error, ...alongside(error) } }];
    }),
  );
}

/** A JSON response of the given schema. */
export function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}
