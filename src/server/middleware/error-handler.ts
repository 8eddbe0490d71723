import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AuthError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { BODY_LIMIT_BYTES } from './json-body.js';

/** body-parser / http-errors failures carry `type` and a 4xx `status`; they are the caller's fault. */
interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

function toAuthError(err: unknown): AuthError | undefined {
  if (err instanceof AuthError) return err;
  const e = (err ?? {}) as HttpishError;
  switch (e.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(BODY_LIMIT_BYTES);
    case 'entity.parse.failed':
      return new AuthError(400, 'invalid_json', 'The body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AuthError(415, 'unsupported_media_type', 'Send the body as UTF-8 application/json.');
    case 'request.aborted':
      return new AuthError(400, 'request_aborted', 'The request was aborted.');
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AuthError(status, 'invalid_request', 'The request could not be read.');
  }
  return undefined;
}

/** Renders every error as the contract's `{detail, error}`; unexpected ones as a logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let known = toAuthError(err);
    if (!known) {
      logger.error({ err, route: req.route?.path, reqId: req.id }, 'unhandled error');
      known = new AuthError(500, 'internal_error', 'Internal error.');
    } else if (known.status >= 500) {
      logger.warn({ code: known.code, cause: (known.cause as Error | undefined)?.message, reqId: req.id }, known.message);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(known.status).set(known.headers).json({ detail: known.message, error: known.code });
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());
