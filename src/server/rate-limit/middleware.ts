import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { AuthError } from '../errors/index.js';
import type { ServiceEvents } from '../events.js';
import { clientKey } from './client-key.js';
import type { Limiter } from './limiter.js';

/** Picks the key a request is counted under; undefined skips this limit for the request. */
export type LimitKey = (req: Request) => string | undefined;

/**
 * The client a request is counted for: `req.ip` (which honours X-Forwarded-For only as far as
 * `AUTH_TRUST_PROXY` says), an IPv6 address reduced to its network of `ipv6PrefixLength` bits.
 */
export function requestClient(req: Request, ipv6PrefixLength: number): string {
  // Asked up to three times a request (each client limit, then the handler): worked out once, as
  // `req.ip` re-reads X-Forwarded-For through proxy-addr on every access.
  const seen = req as ClientSeen;
  const cached = seen[CLIENT];
  if (cached !== undefined && cached.prefix === ipv6PrefixLength) return cached.key;
  const key = clientKey(req.ip ?? req.socket.remoteAddress ?? 'unknown', ipv6PrefixLength);
  seen[CLIENT] = { prefix: ipv6PrefixLength, key };
  return key;
}

const CLIENT = Symbol('client');
type ClientSeen = Request & { [CLIENT]?: { prefix: number; key: string } };

/** The client (see requestClient) as a limiter key. */
export const byClient =
  (ipv6PrefixLength: number): LimitKey =>
  (req) =>
    requestClient(req, ipv6PrefixLength);

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

/** Both keys together (e.g. an e-mail and the client), or undefined when either is. */
export function byBoth(a: LimitKey, b: LimitKey): LimitKey {
  return (req) => {
    const [x, y] = [a(req), b(req)];
    return x === undefined || y === undefined ? undefined : `${x}|${y}`;
  };
}

/** Instead of refusing past the limit: delay each request beyond `after` by `stepMs` more, up to `maxMs`. */
export interface Slowdown {
  /** The limiter's points: requests per window without delay. */
  after: number;
  stepMs: number;
  maxMs: number;
}

/** One limit of a route: a named limiter and the request key it counts; a slowdown delays instead of refusing. */
export interface RouteLimit {
  name: string;
  limiter: Limiter;
  key: LimitKey;
  slowdown?: Slowdown;
}

/**
 * Express middleware consuming one point of every limit of a route, all at once (so a slow store
 * costs one wait, not one per limit, and every limit is charged whatever the outcome): 429
 * `rate_limited` with `Retry-After` (the longest wait among the exceeded limits) and a
 * `rateLimited(name)` event per exceeded limit. A slowdown limit past its budget never refuses: the
 * request waits (`rateDelayed(name)` event), then goes on. The limiters themselves never throw on a
 * store failure (see createLimiter); anything else is a 503.
 */
export function rateLimit(limits: RouteLimit[], events: ServiceEvents): RequestHandler {
  return async (req, _res, next) => {
    const charged = limits.flatMap((limit) => {
      const k = limit.key(req);
      return k === undefined ? [] : [{ limit, result: limit.limiter.consume(k) }];
    });
    const settled = await Promise.allSettled(charged.map((c) => c.result));
    let waitMs = -1;
    let delayMs = 0;
    let delayedBy: string | undefined;
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      if (!(outcome.reason instanceof RateLimiterRes)) {
        throw new AuthError('rate_limiter_unavailable', undefined, { cause: outcome.reason });
      }
      const { name, slowdown } = charged[i]!.limit;
      if (slowdown) {
        const excess = outcome.reason.consumedPoints - slowdown.after;
        const ms = Math.min(slowdown.maxMs, Math.max(1, excess) * slowdown.stepMs);
        if (ms > delayMs) [delayMs, delayedBy] = [ms, name];
        return;
      }
      events.emit('rateLimited', name);
      waitMs = Math.max(waitMs, outcome.reason.msBeforeNext);
    });
    if (waitMs >= 0) throw new AuthError('rate_limited', undefined, { retryAfterSeconds: waitMs / 1000 });
    if (delayedBy !== undefined) {
      events.emit('rateDelayed', delayedBy);
      await sleep(delayMs);
    }
    next();
  };
}
