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
  const status = httpStatusOf(body.code);
  if (status >= 500) req.log?.error({ err: error }, 'request failed');
  if (res.headersSent) return;
  res.status(status).json({ error: body });
};

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  const http = error as { type?: string; status?: number };
  if (http?.type === 'entity.parse.failed') return { code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON' };
  if (http?.type === 'entity.too.large') return { code: 'VALIDATION_FAILED', message: 'the request body is too large' };
  if (http?.type === 'encoding.unsupported' || http?.type === 'charset.unsupported') {
    return { code: 'VALIDATION_FAILED', message: 'the request body encoding is not supported' };
  }
  if (isTransientError(error) || (error as Error)?.name === 'MaxRetriesPerRequestError') {
    return { code: 'SERVICE_UNAVAILABLE', message: 'a backing service is unavailable; try again shortly' };
  }
  return { code: 'INTERNAL', message: 'an internal error occurred' };
}
