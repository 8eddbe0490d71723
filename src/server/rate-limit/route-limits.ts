import type { AuthConfig } from '../config/index.js';
import type { RouteLimits } from '../routes/deps.js';
import type { ServiceEvents } from '../events.js';
import type { RedisClient } from '../redis/connection.js';
import { canonicalAddress } from '../wallets/address.js';
import { createLimiter, type LimiterOptions } from './limiter.js';
import { byBodyField, byBoth, byClient, rateLimit, type LimitKey, type RouteLimit, type Slowdown } from './middleware.js';

type LimitSettings = Pick<
  AuthConfig,
  | 'redisKeyPrefix'
  | 'redisCommandTimeoutMs'
  | 'rateLimitWindowSeconds'
  | 'rateLimitChallengePerIp'
  | 'rateLimitChallengePerAddress'
  | 'rateLimitSignInPerIp'
  | 'rateLimitLoginPerIp'
  | 'rateLimitLoginPerEmail'
  | 'rateLimitRefreshPerIp'
  | 'rateLimitFleetPerIp'
  | 'rateLimitIpv6PrefixLength'
  | 'loginSlowdownAfter'
  | 'loginSlowdownMaxMs'
>;

/** Each login attempt past the slowdown budget of its e-mail waits this much longer than the previous. */
export const LOGIN_SLOWDOWN_STEP_MS = 500;

/** Addresses are counted in canonical form, so `0xAB..` and `0xab..` share one budget. */
function canonicalOrRaw(value: string): string {
  try {
    return canonicalAddress(value);
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * Builds `ctx.limits`: the rate-limit middleware of each limited route, in the order they run
 * (after the JSON body is parsed, before the handler). A limit of 0 is off. With `redis` every
 * replica shares the counts; without it they are per process (the embedded default).
 *
 * Limits bound the attacker, not the victim: nothing is counted per address or per e-mail alone
 * (anyone can send those, so such a limit refuses the victim). Per-address and per-e-mail limits
 * count per client too; across clients an e-mail only slows down (never refuses), and a flood of
 * challenges for one address only evicts the flooder's own (`AUTH_CHALLENGE_MAX_OUTSTANDING`).
 */
export function createRouteLimits(config: LimitSettings, events: ServiceEvents, redis?: RedisClient): RouteLimits {
  const base: Omit<LimiterOptions, 'name' | 'points'> = {
    durationSeconds: config.rateLimitWindowSeconds,
    redis,
    keyPrefix: config.redisKeyPrefix,
    // A fifth of the command timeout, at least 100 ms (never more than the command timeout itself).
    timeoutMs: Math.min(config.redisCommandTimeoutMs, Math.max(100, Math.round(config.redisCommandTimeoutMs / 5))),
  };
  const client = byClient(config.rateLimitIpv6PrefixLength);
  const limits = (...specs: [name: string, points: number, key: LimitKey, slowdown?: Omit<Slowdown, 'after'>][]) => {
    const on: RouteLimit[] = specs
      .filter(([, points]) => points > 0)
      .map(([name, points, key, slowdown]) => ({ name, key, limiter: createLimiter({ ...base, name, points }), ...(slowdown ? { slowdown: { ...slowdown, after: points } } : {}) }));
    return on.length ? [rateLimit(on, events)] : [];
  };
  const email = byBodyField('email');
  return {
    challenge: limits(
      ['challenge_ip', config.rateLimitChallengePerIp, client],
      ['challenge_address', config.rateLimitChallengePerAddress, byBoth(byBodyField('address', canonicalOrRaw), client)],
    ),
    signIn: limits(['sign_in_ip', config.rateLimitSignInPerIp, client]),
    // Every login limit is consumed before the password is checked, whatever its outcome.
    login: limits(
      ['login_ip', config.rateLimitLoginPerIp, client],
      ['login_email', config.rateLimitLoginPerEmail, byBoth(email, client)],
      ['login_email_slowdown', config.loginSlowdownAfter, email, { stepMs: LOGIN_SLOWDOWN_STEP_MS, maxMs: config.loginSlowdownMaxMs }],
    ),
    refresh: limits(['refresh_ip', config.rateLimitRefreshPerIp, client]),
    fleet: limits(['fleet_ip', config.rateLimitFleetPerIp, client]),
  };
}
