import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { commandTap } from '../../../src/server/redis/command-tap.js';
import { createRedisClient } from '../../../src/server/redis/connection.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';

const settings = (s: { redisUrl?: string; redisClusterNodes?: string[] }) => loadConfig({ ...s, redisCommandTimeoutMs: 750 });

/** The client options that make Redis failures fast and concurrent commands cheap, for each topology. */
describe('createRedisClient', () => {
  it('standalone: fail fast, no offline queue, no auto-pipelining (a hang must not chain timeouts)', () => {
    const client = createRedisClient(settings({ redisUrl: 'redis://127.0.0.1:1' })) as Redis;
    client.on('error', () => undefined);
    try {
      expect(client).toBeInstanceOf(Redis);
      expect(client.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 0, enableAutoPipelining: false });
      // The deadline is the command tap's, not ioredis's per-command timer (command-tap.ts says why).
      expect(client.options.commandTimeout).toBeUndefined();
      expect(commandTap(client).timeoutMs).toBe(750);
    } finally {
      client.disconnect();
    }
  });

  it('sentinel: the same, with the deadline on the master connection', () => {
    const client = createRedisClient(loadConfig({ redisSentinels: ['127.0.0.1:1'], redisSentinelName: 'mymaster', redisCommandTimeoutMs: 750 })) as Redis;
    client.on('error', () => undefined);
    try {
      expect(client.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 0, enableAutoPipelining: false });
      expect(client.options.commandTimeout).toBeUndefined();
      expect(commandTap(client).timeoutMs).toBe(750);
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
      // Node connections carry ioredis's own deadline; a tap on the cluster client would double it.
      expect(commandTap(client).timeoutMs).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('while Redis hangs, a command fails after its own timeout, not after the ones queued before it', async () => {
    // A Redis of the test's own: CLIENT PAUSE would stall every other test's commands too.
    const server = await RedisServerProcess.start();
    const admin = new Redis(server.url);
    const client = createRedisClient(loadConfig({ redisUrl: server.url, redisCommandTimeoutMs: 500 })) as Redis;
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      await admin.call('CLIENT', 'PAUSE', '5000', 'ALL');
      const first = client.get('k').catch((e: Error) => e);
      // A later turn, after the one where auto-pipelining would send `first`'s batch (a setImmediate
      // queued by that get, so before ours): with auto-pipelining the next command waits for `first`.
      await new Promise((r) => setImmediate(r));
      const started = performance.now();
      const second = await client.get('k').catch((e: Error) => e);
      const elapsed = performance.now() - started;
      expect(second).toBeInstanceOf(Error);
      expect((second as Error).message).toMatch(/timed out/i);
      // ~500 ms on its own; ~980 ms (480 + 500) when it waits for the first command's batch.
      expect(elapsed).toBeLessThan(800);
      expect(await first).toBeInstanceOf(Error);
    } finally {
      client.disconnect();
      admin.disconnect();
      await server.stop();
    }
  });
});
