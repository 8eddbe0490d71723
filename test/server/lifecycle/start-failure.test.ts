import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createAuthService } from '../../../src/server/index.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { makeKeyDir } from '../../helpers/service.js';

/** A configuration refused late in start-up (after Redis connected) must not leak the connection. */
describe('start-up refusal', () => {
  let redis: RedisServerProcess;
  let probe: Redis;
  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    probe = new Redis(redis.url);
  });
  afterAll(async () => {
    probe.disconnect();
    await redis.stop();
  });

  it('closes the Redis client when a setting is refused after connecting', async () => {
    const clients = async () => (await probe.client('LIST') as string).trim().split('\n').length;
    const before = await clients();
    await expect(
      createAuthService({
        serverAuth: { keysDir: makeKeyDir('EdDSA'), redisUrl: redis.url, logLevel: 'silent', adminEmail: 'a@example.test', adminPasswordHash: 'not-a-hash' },
      }),
    ).rejects.toBeInstanceOf(Error);
    await expect(
      createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), redisUrl: redis.url, logLevel: 'silent', corsOrigins: ['https://a.example/'] } }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect.poll(clients, { timeout: 3000, interval: 50 }).toBe(before);
  });
});
