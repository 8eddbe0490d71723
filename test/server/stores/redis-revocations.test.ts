import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisStores, type Stores } from '../../../src/server/stores/index.js';
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
describe('redis revocation store: bounded commands', () => {
  let server: RedisServerProcess;
  let stores: Stores;
  let admin: Redis;
  const prefix = 'rvb:';

  beforeAll(async () => {
    server = await RedisServerProcess.start();
    admin = new Redis(server.url);
    stores = createRedisStores(loadConfig({ redisUrl: server.url, redisKeyPrefix: prefix }), pino({ level: 'silent' }), { clock });
    expect(await (stores as Stores & { whenReady(ms: number): Promise<boolean> }).whenReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await stores?.close();
    admin?.disconnect();
    await server?.stop();
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
    const unbounded = new Set(['keys', 'hgetall', 'hkeys', 'hvals', 'smembers', 'zrange', 'zrevrange', 'zrangestore', 'scan', 'zscan', 'hscan', 'del', 'unlink']);
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
    expect(reads.filter((a) => a[0]!.toLowerCase() === 'zrangebylex').length).toBeGreaterThanOrEqual(5);
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
