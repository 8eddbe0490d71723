import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from '../redis/connection.js';

export interface LimiterOptions {
  /** Limiter name: part of the Redis key and the `rateLimited` event label. */
  name: string;
  /** Requests allowed per window per key. */
  points: number;
  /** Window length in seconds. */
  durationSeconds: number;
  /** The service's Redis client; absent in the embedded (memory) default. */
  redis?: RedisClient;
  /** Redis key prefix (`REDIS_KEY_PREFIX`). */
  keyPrefix: string;
  /**
   * Longest a Redis-backed check may take before the per-process insurance limiter decides
   * instead, in milliseconds. Short, so that a hanging Redis costs the request little before the
   * store's own command timeout answers 503. @default 250 (the service passes a fifth of REDIS_COMMAND_TIMEOUT_MS, at least 100 ms: 100 ms by default)
   */
  timeoutMs?: number;
}

/** What the middleware needs from a limiter (rate-limiter-flexible's `consume`). */
export type Limiter = Pick<RateLimiterAbstract, 'consume'>;

/**
 * One fixed-window limiter. With Redis, counts are shared by every replica (RateLimiterRedis on the
 * service's ioredis client: `storeClient` is the client itself, ioredis being the library's default
 * client type, so `useRedisPackage` stays unset). A Redis outage must not block or fail requests:
 * while the client is not ready (`rejectIfRedisNotReady`), on a command error, or past `timeoutMs`
 * (RLWrapperTimeouts), the check falls to a per-process RateLimiterMemory with the same limits
 * (the insurance limiter), and the request goes on to the store, which answers 503 by itself.
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const { name, points, durationSeconds: duration } = options;
  const insurance = new RateLimiterMemory({ points, duration, keyPrefix: name });
  if (!options.redis) return insurance;
  const shared = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.keyPrefix}rl:${name}`,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: insurance,
  });
  return new RLWrapperTimeouts({ limiter: shared, timeoutMs: options.timeoutMs ?? 250, insuranceLimiter: insurance });
}
