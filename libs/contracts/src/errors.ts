/**
 * The one error model of the platform (SPEC §4). Every failure a client can see
 * carries one of these stable codes; the HTTP status is derived from the code.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'IDEMPOTENCY_KEY_REUSED',
  'ALREADY_DECIDED',
  'INSUFFICIENT_BALANCE',
  'LIMIT_EXCEEDED',
  'RECIPROCAL_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function assertUnreachable(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'ALREADY_DECIDED':
      return 409;
    case 'INSUFFICIENT_BALANCE':
    case 'LIMIT_EXCEEDED':
    case 'RECIPROCAL_LIMIT_EXCEEDED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
    default:
      return assertUnreachable(code);
  }
}

export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** A failure with a SPEC error code, thrown anywhere and mapped once at the edge. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
