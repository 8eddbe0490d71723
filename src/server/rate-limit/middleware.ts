import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError, ServiceUnavailableError } from '../errors.js';
import type { ServiceEvents } from '../events.js';
import type { Limiter } from './limiter.js';

/** Picks the key a request is counted under; undefined skips this limit for the request. */
export type LimitKey = (req: Request) => string | undefined;

/** The client IP: `req.ip`, which honours X-Forwarded-For only as far as `AUTH_TRUST_PROXY` says. */
export const byIp: LimitKey = (req) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * A body field (address, e-mail) as a limiter key: normalised by `normalize`, then hashed, so that
 * neither addresses nor e-mails appear in Redis keys. Requests without the field are not counted
 * here (their handler answers 400 anyway; the per-IP limit still counts them).
 */
export function byBodyField(field: string, normalize: (value: string) => string = (v) => v.trim().toLowerCase()): LimitKey {
  return (req) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 8192) return undefined;
    return createHash('sha256').update(normalize(value)).digest('base64url').slice(0, 32);
  };
}

/**
 * Express middleware consuming one point of `limiter` under the request's key: 429 `rate_limited`
 * with `Retry-After` when the key is over its limit (and a `rateLimited(name)` event). The
 * limiter itself never throws on a store failure (see createLimiter); anything else is a 503.
 */
export function rateLimit(name: string, limiter: Limiter, key: LimitKey, events: ServiceEvents): RequestHandler {
  return async (req, _res, next) => {
    const k = key(req);
    if (k === undefined) return next();
    try {
      await limiter.consume(k);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        events.emit('rateLimited', name);
        throw new RateLimitedError(err.msBeforeNext / 1000);
      }
      throw new ServiceUnavailableError('The rate limiter is unavailable; retry shortly.', 'rate_limiter_unavailable', { cause: err });
    }
    next();
  };
}
