import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { AuthError } from '../errors/index.js';
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

/** One limit of a route: a named limiter and the request key it counts. */
export interface RouteLimit {
  name: string;
  limiter: Limiter;
  key: LimitKey;
}

/**
 * Express middleware consuming one point of every limit of a route, all at once (so a slow store
 * costs one wait, not one per limit, and every limit is charged whatever the outcome): 429
 * `rate_limited` with `Retry-After` (the longest wait among the exceeded limits) and a
 * `rateLimited(name)` event per exceeded limit. The limiters themselves never throw on a store
 * failure (see createLimiter); anything else is a 503.
 */
export function rateLimit(limits: RouteLimit[], events: ServiceEvents): RequestHandler {
  return async (req, _res, next) => {
    const charged = limits.flatMap(({ name, limiter, key }) => {
      const k = key(req);
      return k === undefined ? [] : [{ name, result: limiter.consume(k) }];
    });
    const settled = await Promise.allSettled(charged.map((c) => c.result));
    let waitMs = -1;
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      if (!(outcome.reason instanceof RateLimiterRes)) {
        throw new AuthError('rate_limiter_unavailable', undefined, { cause: outcome.reason });
      }
      events.emit('rateLimited', charged[i]!.name);
      waitMs = Math.max(waitMs, outcome.reason.msBeforeNext);
    });
    if (waitMs >= 0) throw new AuthError('rate_limited', undefined, { retryAfterSeconds: waitMs / 1000 });
    next();
  };
}
