import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AuthError } from '../errors/index.js';

/** The contract's body cap. */
export const BODY_LIMIT_BYTES = 16 * 1024;

const parseJson = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: ['application/json', 'application/*+json'] });

const notAnObject = () => new AuthError('invalid_request', 'The body must be a JSON object.');

/**
 * The general JSON body step: our 415 check, then body-parser (charsets, gzip/deflate/br,
 * chunked bodies, limits), then the object check. A body that is not declared as JSON is 415;
 * malformed JSON 400 and over 16 KiB 413 (mapped in the error handler).
 */
export const jsonObjectBodyFull: RequestHandler[] = [
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
      next(notAnObject());
      return;
    }
    next();
  },
];

/**
 * `application/json`, alone or with `charset=utf-8` (any case, quoted or not, one optional space
 * after the `;`): what clients send. Other spacing goes to body-parser, whose parsers (content-type,
 * type-is) have their own rules for it.
 */
const PLAIN_JSON = /^application\/json(?:; ?charset=(?:utf-8|"utf-8"))?$/i;

/**
 * Whether the request is the common case the plain reader handles with the same answers as the
 * general step: a declared length of 1..16384 bytes, not chunked, no content encoding, plain JSON
 * in UTF-8. Anything else (gzip, other charsets or types, chunked, empty or oversized bodies) goes
 * through body-parser.
 */
export function isPlainJson(req: IncomingMessage): boolean {
  const { headers } = req;
  const type = headers['content-type'];
  const length = headers['content-length'];
  return (
    type !== undefined &&
    length !== undefined &&
    headers['transfer-encoding'] === undefined &&
    headers['content-encoding'] === undefined &&
    /^[1-9]\d{0,4}$/.test(length) &&
    Number(length) <= BODY_LIMIT_BYTES &&
    PLAIN_JSON.test(type)
  );
}

/**
 * Reads a plain JSON body straight from the request stream: body-parser's answers for it
 * (a strict top-level value, a leading BOM dropped as iconv-lite drops it, 400 `invalid_json`
 * for malformed or non-object/array JSON, `invalid_request` for an array), without its
 * content-type parsing, charset lookup, decoder and stream wrapper (3.9% of a sign-in's busy time in
 * the profile; bench/PROFILING.md, fifth pass).
 */
function readPlainJson(req: Request, next: NextFunction): void {
  const expected = Number(req.headers['content-length']);
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (err?: AuthError): void => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onClose);
    next(err);
  };
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    received += chunk.length;
  };
  const onEnd = (): void => {
    // node:http ends the stream after exactly Content-Length bytes; anything else is a broken request.
    if (received !== expected) return settle(new AuthError('invalid_request', 'The request could not be read.'));
    let text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return settle(new AuthError('invalid_json'));
    }
    // Strict JSON: only an object or an array may be the top-level value (body-parser's 400).
    if (typeof body !== 'object' || body === null) return settle(new AuthError('invalid_json'));
    if (Array.isArray(body)) return settle(notAnObject());
    req.body = body;
    settle();
  };
  // Closed before the end: the client went away mid-body (node:http emits 'error' on an abort only to
  // its listeners; 'close' always comes).
  const onClose = (): void => settle(new AuthError('request_aborted'));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onClose);
}

/** Runs `handlers` in order as one handler (Express's next semantics: an error skips the rest). */
function chain(handlers: RequestHandler[]): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) return next(err);
      const handler = handlers[i++];
      if (!handler) return next();
      void handler(req, res, step);
    };
    step();
  };
}

const full = chain(jsonObjectBodyFull);

/**
 * JSON bodies for POST routes: a JSON object or a 4xx. The common case (plain UTF-8 JSON with a
 * Content-Length) is read directly; everything else takes the general step, so every answer is the
 * general step's (test/server/middleware/json-body.test.ts runs both on the same requests).
 */
export const jsonObjectBody: RequestHandler[] = [
  (req, res, next) => {
    // A stream something already read from is left to the general step (body-parser's own checks).
    if (isPlainJson(req) && !req.readableDidRead) readPlainJson(req, next);
    else full(req, res, next);
  },
];
