import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inOneWrite } from '../../../src/server/redis/one-write.js';
import { RedisChallengeStore } from '../../../src/server/stores/redis/challenges.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';

const ready = (client: Redis) => (client.status === 'ready' ? Promise.resolve() : new Promise((r) => client.once('ready', r)));

/** Records, for every chunk ioredis writes to the socket, whether the socket was corked at the time. */
function watchWrites(client: Redis): { corked: boolean[]; flushes: () => number } {
  const stream = client.stream;
  const corked: boolean[] = [];
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    corked.push(stream.writableCorked > 0);
    return write(...args);
  }) as typeof stream.write;
  // What reaches the kernel: one _write per chunk when uncorked, one _writev for a corked batch.
  let flushes = 0;
  const target = stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const w = target._write.bind(stream);
  const wv = target._writev.bind(stream);
  target._write = (...a) => {
    flushes++;
    w(...a);
  };
  target._writev = (...a) => {
    flushes++;
    wv(...a);
  };
  return { corked, flushes: () => flushes };
}

describe.skipIf(noRedis())('inOneWrite: commands sent in one tick leave in one write', () => {
  const prefix = uniquePrefix('onewrite');
  let client: Redis;
  beforeAll(async () => {
    client = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    await ready(client);
  });
  afterAll(async () => {
    client.disconnect();
    await deleteByPrefix(redisUrl(), prefix);
  });

  it('batches the writes of several commands into one flush, with the same replies', async () => {
    await client.set(`${prefix}a`, '1');
    const seen = watchWrites(client);
    const [a, b] = inOneWrite(client, () => [client.getdel(`${prefix}a`), client.get(`${prefix}missing`)] as const);
    expect(client.stream.writableCorked).toBe(0);
    expect(await a).toBe('1');
    expect(await b).toBeNull();
    expect(seen.corked).toEqual([true, true]);
    expect(seen.flushes()).toBe(1);
    // Without it, each command is its own flush.
    await Promise.all([client.get(`${prefix}a`), client.get(`${prefix}b`)]);
    expect(seen.flushes()).toBe(3);
  });

  it('uncorks the socket when the sender throws', () => {
    expect(() =>
      inOneWrite(client, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(client.stream.writableCorked).toBe(0);
  });

  it('runs the sender as it is on a client without one socket (Cluster) or not ready yet', async () => {
    const cluster = { status: 'ready' } as unknown as Cluster;
    expect(inOneWrite(cluster, () => 42)).toBe(42);
    const lazy = new Redis(redisUrl(), { lazyConnect: true });
    expect(lazy.status).toBe('wait');
    expect(inOneWrite(lazy, () => 'sent')).toBe('sent');
    lazy.disconnect();
  });

  it("a challenge's consume sends its GETDEL and the bucket's counter read in one write", async () => {
    const store = new RedisChallengeStore(client, prefix);
    const now = Math.floor(Date.now() / 1000);
    await store.put({ nonce: 'n1', address: 'addr', issuedAt: now, expiresAt: now + 60 }, 60, { bucket: 'b1', max: 5 });
    const seen = watchWrites(client);
    const record = await store.consume('n1', 'b1');
    expect(record).toEqual({ nonce: 'n1', address: 'addr', issuedAt: now, expiresAt: now + 60 });
    expect(seen.corked).toEqual([true, true]);
    expect(seen.flushes()).toBe(1);
    expect(await store.consume('n1', 'b1')).toBeNull();
  });
});
