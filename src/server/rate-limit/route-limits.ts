import type { AuthConfig } from '../config/index.js';
import type { RouteLimits } from '../routes/deps.js';
import type { ServiceEvents } from '../events.js';
import type { RedisClient } from '../redis/connection.js';
import { canonicalAddress } from '../wallets/address.js';
import { createLimiter, type LimiterOptions } from './limiter.js';
import { byBodyField, byIp, rateLimit, type LimitKey, type RouteLimit } from './middleware.js';

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
>;

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
 */
export function createRouteLimits(config: LimitSettings, events: ServiceEvents, redis?: RedisClient): RouteLimits {
  const base: Omit<LimiterOptions, 'name' | 'points'> = {
    durationSeconds: config.rateLimitWindowSeconds,
    redis,
    keyPrefix: config.redisKeyPrefix,
    timeoutMs: Math.min(100, config.redisCommandTimeoutMs),
  };
  const limits = (...specs: [name: string, points: number, key: LimitKey][]) => {
    const on: RouteLimit[] = specs.filter(([, points]) => points > 0).map(([name, points, key]) => ({ name, key, limiter: createLimiter({ ...base, name, points }) }));
    return on.length ? [rateLimit(on, events)] : [];
  };
  return {
    challenge: limits(
      ['challenge_ip', config.rateLimitChallengePerIp, byIp],
      ['challenge_address', config.rateLimitChallengePerAddress, byBodyField('address', canonicalOrRaw)],
    ),
    signIn: limits(['sign_in_ip', config.rateLimitSignInPerIp, byIp]),
    // Both login limits are consumed before the password is checked, whatever its outcome.
    login: limits(['login_ip', config.rateLimitLoginPerIp, byIp], ['login_email', config.rateLimitLoginPerEmail, byBodyField('email')]),
    refresh: limits(['refresh_ip', config.rateLimitRefreshPerIp, byIp]),
    fleet: limits(['fleet_ip', config.rateLimitFleetPerIp, byIp]),
  };
}
