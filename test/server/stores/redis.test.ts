import { pino } from 'pino';
import { afterAll, describe, expect } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisStores } from '../../../src/server/stores/index.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';
import { runStoreConformance, type StoresFactory } from './conformance.js';
import { runSessionStoreConformance } from './sessions.conformance.js';

const prefixes: string[] = [];

describe.skipIf(noRedis())('redis', () => {
  afterAll(async () => {
    for (const p of prefixes) await deleteByPrefix(redisUrl(), p);
  });
  const factory: StoresFactory = async (clock) => {
    const redisKeyPrefix = uniquePrefix('stores');
    prefixes.push(redisKeyPrefix);
    const config = loadConfig({ redisUrl: redisUrl(), redisKeyPrefix });
    const stores = createRedisStores(config, pino({ level: 'silent' }), { clock });
    await stores.whenReady(5000);
    const { redis } = stores;
    /**
     * What the scripts compare (expiries, pruning) follows the fake clock; key TTLs are Redis's own
     * time. So: move the clock, then poll (bounded) until every key that was due to expire within
     * `ms` is gone.
     */
    const passTime = async (ms: number) => {
      clock.advance(ms);
      const keys = (await redis.keys(`${redisKeyPrefix}*`)) as string[];
      const due: string[] = [];
      for (const key of keys) {
        const pttl = await redis.pttl(key);
        if (pttl >= 0 && pttl <= ms) due.push(key);
      }
      if (due.length === 0) return;
      await expect.poll(async () => redis.exists(...due), { timeout: ms + 2000, interval: 50 }).toBe(0);
    };
    return Object.assign(stores, { passTime });
  };
  runStoreConformance('redis', factory);
  runSessionStoreConformance('redis', factory);
});
