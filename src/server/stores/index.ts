import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { AuthConfig } from '../config/index.js';
import { createRedisClient, type RedisClient } from '../redis/connection.js';
import { MemoryChallengeStore } from './memory/challenges.js';
import { RedisChallengeStore } from './redis/challenges.js';
import { MemoryRefreshTokenStore } from './memory/refresh-tokens.js';
import { RedisRefreshTokenStore } from './redis/refresh-tokens.js';
import { MemoryRevocationStore } from './memory/revocations.js';
import { RedisRevocationStore } from './redis/revocations.js';
import { MemoryMintStore } from './memory/mints.js';
import { RedisMintStore } from './redis/mints.js';
import type { Stores } from './types.js';

export type * from './types.js';

/** True when the configuration names a Redis (URL, Sentinels or Cluster). */
export function wantsRedis(config: AuthConfig): boolean {
  return Boolean(config.redisUrl || config.redisSentinels?.length || config.redisClusterNodes?.length);
}

/** The embedded default: per-process stores on the injected clock (tests pass a fake one). */
export function createMemoryStores(options: { clock?: Clock } = {}): Stores {
  const clock = options.clock ?? systemClock;
  return {
    challenges: new MemoryChallengeStore({ clock }),
    refreshTokens: new MemoryRefreshTokenStore({ clock }),
    revocations: new MemoryRevocationStore({ clock }),
    mints: new MemoryMintStore({ clock }),
    health: { backend: 'memory', ready: () => true },
    close: async () => undefined,
  };
}

/**
 * Redis-backed stores. `client` lets an embedding application share its own ioredis client; the
 * service closes only a client it created. `clock` dates what the scripts compare (expiries,
 * pruning); key TTLs are Redis's own time.
 */
export function createRedisStores(
  config: AuthConfig,
  logger: Logger,
  options: { client?: RedisClient; clock?: Clock } = {},
): Stores & { redis: RedisClient; whenReady(timeoutMs: number): Promise<boolean> } {
  const { client, clock = systemClock } = options;
  const redis = client ?? createRedisClient(config);
  const owned = client === undefined;
  let lastState = '';
  const report = (state: string, level: 'info' | 'warn', extra?: object) => {
    if (state === lastState) return; // Redis state changes are logged once each.
    lastState = state;
    logger[level]({ redis: state, ...extra }, `redis ${state}`);
  };
  // One line per transition, not per reconnect attempt: ioredis repeats close/error on every
  // failed attempt, so while down only the loss and the first error are logged, until ready again.
  let errorLogged = false;
  redis.on('ready', () => {
    errorLogged = false;
    report('ready', 'info');
  });
  redis.on('close', () => {
    if (redis.status !== 'end' && lastState === 'ready') report('disconnected', 'warn');
  });
  redis.on('error', (err: Error) => {
    if (errorLogged) return;
    errorLogged = true;
    report('error', 'warn', { err: { message: err.message } });
  });
  redis.on('end', () => report('closed', 'warn'));
  const prefix = config.redisKeyPrefix;
  return {
    redis,
    challenges: new RedisChallengeStore(redis, prefix),
    refreshTokens: new RedisRefreshTokenStore(redis, prefix, clock),
    revocations: new RedisRevocationStore(redis, prefix, clock),
    mints: new RedisMintStore(redis, prefix, { clock }),
    health: { backend: 'redis', ready: () => redis.status === 'ready' },
    /** Resolves true once connected, false after `timeoutMs`: start-up waits briefly, never forever. */
    whenReady: (timeoutMs: number) =>
      redis.status === 'ready'
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            redis.once('ready', () => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
    close: async () => {
      if (!owned) return;
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
