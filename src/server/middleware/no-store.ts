import type { RequestHandler } from 'express';

/**
 * `Cache-Control: no-store` (and the HTTP/1.0 `Pragma: no-cache`) on every answer of an endpoint that
 * returns tokens, errors included (RFC 6749 §5.1): no shared or browser cache may keep them.
 * Set before anything else runs, so answers from body parsing and rate limits carry it too.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  // node:http's setHeader, not Express's `res.set`: plain strings need none of its conversions.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};
