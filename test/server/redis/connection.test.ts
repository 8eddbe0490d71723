import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisClient } from '../../../src/server/redis/connection.js';
import { noRedis, redisUrl } from '../../helpers/redis.js';

const settings = (s: { redisUrl?: string; redisClusterNodes?: string[] }) => loadConfig({ ...s, redisCommandTimeoutMs: 750 });

/** The client options that make Redis failures fast and concurrent commands cheap, for each topology. */
describe('createRedisClient', () => {
  it('standalone: fail fast, no offline queue, no auto-pipelining (a hang must not chain timeouts)', () => {
    const client = createRedisClient(settings({ redisUrl: 'redis://127.0.0.1:1' })) as Redis;
    client.on('error', () => undefined);
    try {
      expect(client).toBeInstanceOf(Redis);
      expect(client.options).toMatchObject({ commandTimeout: 750, enableOfflineQueue: false, maxRetriesPerRequest: 0, enableAutoPipelining: false });
    } finally {
      client.disconnect();
    }
  });

  it('cluster: the same, for the cluster client and each node connection', () => {
    const client = createRedisClient(settings({ redisClusterNodes: ['127.0.0.1:1'] })) as Cluster;
    client.on('error', () => undefined);
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect(client.options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: false });
      expect(client.options.redisOptions).toMatchObject({ commandTimeout: 750, enableAutoPipelining: false });
    } finally {
      client.disconnect();
    }
  });

  it.skipIf(noRedis())('concurrent commands of one turn get their own answers', async () => {
    const client = createRedisClient(settings({ redisUrl: redisUrl() })) as Redis;
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const key = `pico-test:autopipe:${process.pid}:${Date.now()}`;
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client.echo(`m${i}`)));
      expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
      await Promise.all([client.set(key, '1', 'EX', 10), client.incr(key), client.incr(key)]);
      expect(await client.getdel(key)).toBe('3');
    } finally {
      client.disconnect();
    }
  });
});
