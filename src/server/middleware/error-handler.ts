import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AuthError, writeError } from '../errors/index.js';

/** body-parser / http-errors failures carry `type` and a 4xx `status`; they are the caller's fault. */
interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
}

function toAuthError(err: unknown): AuthError | undefined {
  if (err instanceof AuthError) return err;
  const e = (err ?? {}) as HttpishError;
  switch (e.type) {
    case 'entity.too.large':
      return new AuthError('payload_too_large');
    case 'entity.parse.failed':
      return new AuthError('invalid_json');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AuthError('unsupported_media_type');
    case 'request.aborted':
      return new AuthError('request_aborted');
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AuthError(status === 413 ? 'payload_too_large' : 'invalid_request', status === 413 ? undefined : 'The request could not be read.');
  }
  return undefined;
}

/** Renders every error as the contract's `{detail, error}`; unexpected ones as a logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let known = toAuthError(err);
    if (!known) {
      logger.error({ err, route: req.route?.path, reqId: req.id }, 'unhandled error');
      known = new AuthError('internal_error');
    } else if (known.status >= 500) {
      logger.warn({ code: known.code, cause: (known.cause as Error | undefined)?.message, reqId: req.id }, known.message);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    writeError(res, known);
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new AuthError('not_found'));
