import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { bytesToUuid, PACKED_RECORD_BYTES } from '../../../src/client/packed-revocations.js';
import { createRedisStores, type Stores } from '../../../src/server/stores/index.js';
import { RedisRevocationStore } from '../../../src/server/stores/redis/revocations.js';
import { positionOf } from '../../../src/server/stores/revocation-order.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';

/** The stores' time: expiry and pruning follow it ("after the expiry" is a move, not a sleep). */
const clock = new FakeClock();
const now = () => clock.seconds();

/**
 * The revocation list never costs Redis one command whose work grows with the list: every range
 * read has a LIMIT, every variadic command a bounded number of arguments. Checked structurally on
 * every command Redis executes (MONITOR, including the commands inside scripts), not by timing.
 * The figures at 1k-1M records are in bench/RESULTS.md. A Redis of the test's own (MONITOR).
 */
// One Redis of the file's own for both groups (MONITOR), stopped once at the end.
let server: RedisServerProcess;
beforeAll(async () => {
  server = await RedisServerProcess.start();
});
afterAll(async () => {
  await server?.stop();
});

describe('redis revocation store: bounded commands', () => {
  let stores: Stores;
  let admin: Redis;
  const prefix = 'rvb:';

  beforeAll(async () => {
    admin = new Redis(server.url);
    stores = createRedisStores(loadConfig({ redisUrl: server.url, redisKeyPrefix: prefix }), pino({ level: 'silent' }), { clock });
    expect(await (stores as Stores & { whenReady(ms: number): Promise<boolean> }).whenReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await stores?.close();
    admin?.disconnect();
  });

  /**
   * Runs `work` and returns every command Redis executed meanwhile (name and arguments). MONITOR
   * streams commands in the order Redis executes them, so once the monitor has seen a marker sent
   * before `work` it is watching, and once it has seen one sent after, it has seen all of `work`.
   */
  let markers = 0;
  async function monitored(work: () => Promise<void>): Promise<string[][]> {
    const monitor = await admin.duplicate().monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
    const mark = async () => {
      const marker = `monitor-mark-${++markers}`;
      await admin.echo(marker);
      await expect.poll(() => seen.some((a) => a[0]!.toLowerCase() === 'echo' && a[1] === marker), { timeout: 5000, interval: 10 }).toBe(true);
      return marker;
    };
    const marks = [await mark()];
    await work();
    marks.push(await mark());
    monitor.disconnect();
    return seen.filter((a) => !(a[0]!.toLowerCase() === 'echo' && marks.includes(a[1]!)));
  }

  function assertBounded(commands: string[][]): void {
    // ZRANGE is checked below: an index range of at most 1000, nothing else.
    const unbounded = new Set(['keys', 'hgetall', 'hkeys', 'hvals', 'smembers', 'zrevrange', 'zrangestore', 'scan', 'zscan', 'hscan', 'del', 'unlink']);
    for (const args of commands) {
      const name = args[0]!.toLowerCase();
      expect(unbounded.has(name), args.slice(0, 6).join(' ')).toBe(false);
      expect(args.length, `${name} with ${args.length} arguments`).toBeLessThanOrEqual(210);
      if (name === 'zrangebylex' || name === 'zrangebyscore') {
        const at = args.findIndex((a) => a.toUpperCase() === 'LIMIT');
        expect(at, args.join(' ')).toBeGreaterThan(0);
        expect(Number(args[at + 2])).toBeLessThanOrEqual(1000);
      }
      if (name === 'zpopmin') expect(Number(args[2])).toBeLessThanOrEqual(100);
      if (name === 'zrange') {
        expect(args, args.join(' ')).toHaveLength(4);
        const [start, stop] = [Number(args[2]), Number(args[3])];
        expect(Number.isInteger(start) && start >= 0 && stop >= start, args.join(' ')).toBe(true);
        expect(stop - start + 1, args.join(' ')).toBeLessThanOrEqual(1000);
      }
    }
  }

  it('reads a list of 5000 records, and prunes 600 expired ones, in bounded commands only', async () => {
    const t = now();
    const revokeAll = async (n: number, name: string, exp: number) => {
      const records = Array.from({ length: n }, (_, i) => ({ jti: `${name}-${i}`, revokedAt: t - 100 + (i % 50), exp, reason: null, revokedBy: 'op' }));
      for (let i = 0; i < records.length; i += 250) await Promise.all(records.slice(i, i + 250).map((r) => stores.revocations.revoke(r)));
    };
    await revokeAll(5000, 'long', t + 600);
    let listed = 0;
    const reads = await monitored(async () => {
      let after: string | undefined;
      do {
        const page = await stores.revocations.list({ since: 0, after, limit: 10_000 });
        listed += page.items!.length;
        after = page.next ?? undefined;
      } while (after !== undefined);
    });
    expect(listed).toBe(5000);
    // 5000 positions in reads of at most 1000 each (the first by lex, the rest by rank).
    expect(reads.filter((a) => ['zrangebylex', 'zrange'].includes(a[0]!.toLowerCase())).length).toBeGreaterThanOrEqual(5);
    assertBounded(reads);

    const soon = now() + 1;
    await revokeAll(600, 'short', soon);
    clock.advance(2000); // past `soon`: the 600 are expired for the store
    const prunes = await monitored(async () => {
      for (let i = 0; i < 4; i++) await stores.revocations.list({ since: 0, limit: 1 }); // each call prunes ≤ 200
    });
    assertBounded(prunes);
    expect(prunes.some((a) => a[0]!.toLowerCase() === 'zrem')).toBe(true);
    expect(await admin.zcard(`${prefix}rv:{rv}:exp`)).toBe(5000);
    expect(await admin.zcard(`${prefix}rv:{rv}:pos`)).toBe(5000);
    expect(await admin.hlen(`${prefix}rv:{rv}:data`)).toBe(5000);
  });

  it('moves records written by the earlier layout (one sorted set by revocation time) into the list', async () => {
    const p = 'legacy:rv:{rv}:';
    const legacy = createRedisStores(loadConfig({ redisUrl: server.url, redisKeyPrefix: 'legacy:' }), pino({ level: 'silent' }), { clock });
    try {
      const t = now();
      const pipe = admin.pipeline();
      for (let i = 0; i < 450; i++) {
        const jti = `old-${String(i).padStart(3, '0')}`;
        pipe.hset(`${p}data`, jti, JSON.stringify([jti, t - 10, t + 600, null, 'op']));
        pipe.zadd(`${p}exp`, t + 600, jti);
        pipe.zadd(`${p}time`, t - 10, jti);
      }
      pipe.set(`${p}ver`, '41');
      await pipe.exec();
      let ids: string[] = [];
      const commands = await monitored(async () => {
        ids = (await legacy.revocations.list({ since: 0, limit: 10_000 })).items!.map((e) => e.jti);
      });
      expect(ids).toHaveLength(450);
      expect(ids[0]).toBe('old-000');
      expect(await admin.exists(`${p}time`)).toBe(0);
      assertBounded(commands);
      expect(await legacy.revocations.isRevoked('old-449')).toBe(true);
    } finally {
      await legacy.close();
    }
  });
});

/**
 * A page's reads after the first go out together, by rank (src/server/stores/redis/revocations.ts):
 * a write that lands between two of them moves the ranks. Each read overlaps the one before by a
 * position and is kept only when that position matches, so a page still holds what a sequential
 * cursor read would: every record live throughout exactly once, in order. Here the write is forced
 * between two reads: the store's client holds the k-th rank read (and the ones after it) until the
 * write is done.
 */
describe('redis revocation store: a write between the reads of one page', () => {
  let admin: Redis;
  let run = 0;

  beforeAll(() => {
    admin = new Redis(server.url);
  });
  afterAll(() => {
    admin?.disconnect();
  });

  /** A client that sends the rank reads from the `k`-th on only after `write` (once, in the first page read). */
  function gated(client: Redis, k: number, write: () => Promise<unknown>): { redis: Redis; reads: () => number } {
    let reads = 0;
    let written: Promise<unknown> | undefined;
    const redis = new Proxy(client, {
      get(target, prop) {
        if (prop === 'zrangeBuffer') {
          return async (...args: Parameters<Redis['zrangeBuffer']>) => {
            if (reads++ >= k) await (written ??= write());
            return target.zrangeBuffer(...args);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { redis, reads: () => reads };
  }

  const t = now();
  /** 3000 records, one a second: one 10k page reads them as a ZRANGEBYLEX and 3 rank reads. */
  const records = Array.from({ length: 3000 }, (_, i) => ({ jti: randomUUID(), revokedAt: t - 4000 + i, exp: t + 600, reason: null, revokedBy: 'op' }));

  async function setUp(k: number, write: (store: RedisRevocationStore, prefix: string) => Promise<unknown>) {
    const prefix = `rvgate${++run}:`;
    const writer = new RedisRevocationStore(admin, prefix, clock);
    for (let i = 0; i < records.length; i += 250) await Promise.all(records.slice(i, i + 250).map((r) => writer.revoke(r)));
    const client = new Redis(server.url);
    const { redis, reads } = gated(client, k, () => write(writer, prefix));
    return { store: new RedisRevocationStore(redis, prefix, clock), reads, close: () => client.disconnect() };
  }

  /** Every page, following `next`; the jtis in the order read (packed records unpacked). */
  async function readAll(store: RedisRevocationStore, limit: number, packed: boolean): Promise<string[]> {
    const jtis: string[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const page = await store.list({ since: 0, after, limit, packed });
      const bytes = page.packed ?? Buffer.alloc(0);
      for (let o = 0; o < bytes.length; o += PACKED_RECORD_BYTES) jtis.push(bytesToUuid(bytes, o));
      jtis.push(...page.items!.map((e) => e.jti));
      if (page.next === null) return jtis;
      after = page.next;
    }
    throw new Error('the pages never ended');
  }

  const prune = (prefix: string, r: (typeof records)[number]) =>
    admin.multi().zrem(`${prefix}rv:{rv}:pos`, positionOf(r)).zrem(`${prefix}rv:{rv}:exp`, r.jti).hdel(`${prefix}rv:{rv}:data`, r.jti).exec();
  const ids = (rs: { jti: string }[]) => rs.map((r) => r.jti);

  for (const packed of [true, false]) {
    for (const k of [0, 1, 2]) {
      it(`${packed ? 'packed' : 'plain'}: a record pruned before the reads (ranks move down) before rank read ${k}: nothing skipped`, async () => {
        // The first record was read already (the page's ZRANGEBYLEX); it leaves, as an expired one would.
        const { store, reads, close } = await setUp(k, (_, prefix) => prune(prefix, records[0]!));
        try {
          expect(await readAll(store, 10_000, packed)).toEqual(ids(records));
          expect(reads()).toBeGreaterThan(k);
        } finally {
          close();
        }
      });

      it(`${packed ? 'packed' : 'plain'}: a record revoked before the reads' place (ranks move up) before rank read ${k}: nothing repeated`, async () => {
        // A replica whose clock lags revokes a record that sorts before everything read.
        const early = { jti: randomUUID(), revokedAt: t - 5000, exp: t + 600, reason: null, revokedBy: 'op' };
        const { store, reads, close } = await setUp(k, (writer) => writer.revoke(early));
        try {
          const read = await readAll(store, 10_000, packed);
          expect(read).toEqual(ids(records)); // `early` sorts before the page's start: the next poll's
          expect(reads()).toBeGreaterThan(k);
        } finally {
          close();
        }
      });
    }

    it(`${packed ? 'packed' : 'plain'}: a record revoked inside the part not read yet appears once, in its place`, async () => {
      const late = { jti: randomUUID(), revokedAt: records[2500]!.revokedAt, exp: t + 601, reason: null, revokedBy: 'op' }; // sorts right after records[2500]
      const { store, close } = await setUp(1, (writer) => writer.revoke(late));
      try {
        expect(await readAll(store, 10_000, packed)).toEqual(ids([...records.slice(0, 2501), late, ...records.slice(2501)]));
      } finally {
        close();
      }
    });

    it(`${packed ? 'packed' : 'plain'}: pages of 1200 across the writes: every record once, in order`, async () => {
      const { store, close } = await setUp(1, (_, prefix) => prune(prefix, records[1]!));
      try {
        // records[1] is pruned before the first page's second rank read: it was read already.
        expect(await readAll(store, 1200, packed)).toEqual(ids(records));
      } finally {
        close();
      }
    });
  }
});
