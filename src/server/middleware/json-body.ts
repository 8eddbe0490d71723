import express, { type RequestHandler } from 'express';
import { AuthError } from '../errors/index.js';

/** The contract's body cap. */
export const BODY_LIMIT_BYTES = 16 * 1024;

const parseJson = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: ['application/json', 'application/*+json'] });

/**
 * JSON bodies for POST routes: a JSON object or a 4xx. A body that is not declared as JSON is 415;
 * malformed JSON 400 and over 16 KiB 413 (mapped in the error handler).
 */
export const jsonObjectBody: RequestHandler[] = [
  (req, _res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if ((length > 0 || req.headers['transfer-encoding']) && !req.is(['application/json', 'application/*+json'])) {
      next(new AuthError('unsupported_media_type', 'Send the body as application/json.'));
      return;
    }
    next();
  },
  parseJson,
  (req, _res, next) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      next(new AuthError('invalid_request', 'The body must be a JSON object.'));
      return;
    }
    next();
  },
];
