import { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ErrorBody, httpStatusOf } from '@points/contracts';
import { isTransientError } from '@points/db';

/** Unknown paths get the same error model as everything else. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('NOT_FOUND', 'no such resource'));

/**
 * The single place an error becomes an HTTP response. Clients only ever see a
 * SPEC code and a message: no stack trace, no SQL. Anything unexpected is
 * logged with the request id and answered as INTERNAL.
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const body = toErrorBody(error);
  // HTTP's own status for a body past the limit, with the SPEC code a client already handles.
  const status = isTooLarge(error) ? 413 : httpStatusOf(body.code);
  if (status >= 500) req.log?.error({ err: error }, 'request failed');
  if (res.headersSent) return;
  res.status(status).json({ error: body });
};

function isTooLarge(error: unknown): boolean {
  return (error as { type?: string })?.type === 'entity.too.large';
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  const http = error as { type?: string; status?: number };
  if (http?.type === 'entity.parse.failed') return { code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON' };
  if (isTooLarge(error)) {
    const { limit } = error as { limit?: number };
    return { code: 'VALIDATION_FAILED', message: 'the request body is too large', details: [{ field: 'body', message: `larger than the limit of ${limit ?? '?'} bytes` }] };
  }
  if (http?.type === 'encoding.unsupported') {
    return { code: 'VALIDATION_FAILED', message: 'compressed request bodies are not accepted; send it uncompressed', details: [{ field: 'content-encoding', message: 'must be identity (or absent)' }] };
  }
  if (http?.type === 'charset.unsupported') {
    return { code: 'VALIDATION_FAILED', message: 'the request body charset is not supported; send UTF-8', details: [{ field: 'content-type', message: 'charset must be utf-8' }] };
  }
  // Express could not decode a path parameter ("%", "%zz", an overlong UTF-8 sequence).
  if (error instanceof URIError || (http?.status === 400 && (error as Error)?.name === 'URIError')) {
    return { code: 'VALIDATION_FAILED', message: 'the path is not valid percent-encoded UTF-8', details: [{ field: 'path', message: 'malformed percent-encoding' }] };
  }
  if (isTransientError(error) || (error as Error)?.name === 'MaxRetriesPerRequestError') {
    return { code: 'SERVICE_UNAVAILABLE', message: 'a backing service is unavailable; try again shortly' };
  }
  return { code: 'INTERNAL', message: 'an internal error occurred' };
}
