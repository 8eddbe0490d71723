import { pino } from 'pino';
import { afterAll, describe } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisStores } from '../../../src/server/stores/index.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';
import { runStoreConformance } from './conformance.js';
import { runSessionStoreConformance } from './sessions.conformance.js';

const prefixes: string[] = [];

describe.skipIf(noRedis())('redis', () => {
  afterAll(async () => {
    for (const p of prefixes) await deleteByPrefix(redisUrl(), p);
  });
  const factory = async () => {
    const redisKeyPrefix = uniquePrefix('stores');
    prefixes.push(redisKeyPrefix);
    const config = loadConfig({ redisUrl: redisUrl(), redisKeyPrefix });
    const stores = createRedisStores(config, pino({ level: 'silent' }));
    await stores.whenReady(5000);
    return stores;
  };
  runStoreConformance('redis', factory);
  runSessionStoreConformance('redis', factory);
});
