import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTap } from '../../../src/server/redis/command-tap.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';

const ready = (client: Redis) => (client.status === 'ready' ? Promise.resolve() : new Promise((r) => client.once('ready', r)));
const timers = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;

/**
 * The command tap's deadline (what REDIS_COMMAND_TIMEOUT_MS sets for a single server or Sentinel):
 * against a Redis of the test's own, which CLIENT PAUSE stalls without stalling anybody else's.
 */
describe('commandTap: the command deadline', () => {
  let server: RedisServerProcess;
  let admin: Redis;
  beforeAll(async () => {
    server = await RedisServerProcess.start();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  const client = async (timeoutMs: number) => {
    const c = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    commandTap(c).failAfter(timeoutMs);
    await ready(c);
    return c;
  };

  it('refuses a deadline that is not a positive number of ms', () => {
    const c = new Redis({ lazyConnect: true });
    expect(() => commandTap(c).failAfter(0)).toThrow(RangeError);
    expect(() => commandTap(c).failAfter(Number.NaN)).toThrow(RangeError);
    expect(commandTap(c).timeoutMs).toBe(0);
    c.disconnect();
  });

  it('while Redis hangs, plain, pipelined, MULTI and scripted commands fail at their deadline, each seen once; the connection then answers right', async () => {
    const c = await client(300);
    const tap = commandTap(c);
    const seen: [string, string | undefined, number][] = [];
    tap.observers.add((command, seconds, error) => seen.push([command.name, error?.message, seconds]));
    try {
      await admin.call('CLIENT', 'PAUSE', '1200', 'ALL');
      const started = performance.now();
      const elapsed = <T,>(p: Promise<T>) => p.then(
        (v) => ({ v, ms: performance.now() - started }),
        (e: Error) => ({ v: e, ms: performance.now() - started }),
      );
      const [plain, pipeline, multi, script] = await Promise.all([
        elapsed(c.get('k')),
        elapsed(c.pipeline().set('k', '1').get('k').exec()),
        elapsed(c.multi().get('k').exec()),
        elapsed(c.eval('return 1', 0)),
      ]);
      expect(plain.v).toBeInstanceOf(Error);
      expect((plain.v as Error).message).toBe('Command timed out');
      // A pipeline answers per command: each failed at its own deadline.
      expect(pipeline.v).toEqual([[new Error('Command timed out')], [new Error('Command timed out')]]);
      expect(multi.v).toBeInstanceOf(Error);
      expect(script.v).toBeInstanceOf(Error);
      for (const r of [plain, pipeline, multi, script]) {
        expect(r.ms).toBeGreaterThanOrEqual(290);
        expect(r.ms).toBeLessThan(900);
      }
      expect(seen.length).toBeGreaterThanOrEqual(6);
      for (const [name, message, seconds] of seen) {
        expect(message, name).toBe('Command timed out');
        expect(seconds, name).toBeGreaterThanOrEqual(0.29);
      }
      expect(new Set(seen.map(([name]) => name))).toEqual(new Set(['get', 'set', 'multi', 'exec', 'eval']));
      expect(tap.pending).toBe(0);

      // The late replies go to the commands that timed out (ioredis keeps them queued), not to the
      // next ones: after the pause, a write and its read answer as they should.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await c.set('tap:k', 'v', 'PX', 5000)).toBe('OK');
      expect(await c.get('tap:k')).toBe('v');
      expect(tap.pending).toBe(0);
    } finally {
      c.disconnect();
    }
  });

  it('a command sent later waits for its own deadline, not the first one', async () => {
    const c = await client(400);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const first = c.get('k').catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
      const sent = performance.now();
      const second = await c.get('k').catch((e: Error) => e);
      const waited = performance.now() - sent;
      expect(await first).toBeInstanceOf(Error);
      expect(second).toBeInstanceOf(Error);
      // Failed at its own 400 ms, not when the timer armed for the first command fired (~200 ms).
      expect(waited).toBeGreaterThanOrEqual(390);
      expect(waited).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      c.disconnect();
    }
  });

  it('under load nothing fails early and nothing stays held; the timer does not hold the process', async () => {
    const c = await client(2000);
    const tap = commandTap(c);
    try {
      const before = timers();
      const replies = Array.from({ length: 2000 }, (_, i) => c.echo(String(i)));
      expect(tap.pending).toBe(2000);
      // The tap's one timer is unref'd: a pending command is held by its connection, not by it.
      expect(timers()).toBe(before);
      expect(await Promise.all(replies)).toEqual(Array.from({ length: 2000 }, (_, i) => String(i)));
      expect(tap.pending).toBe(0);
    } finally {
      c.disconnect();
    }
  });

  it('an observer that throws costs its own record, not the command or the connection', async () => {
    const c = await client(2000);
    const tap = commandTap(c);
    const seen: string[] = [];
    const bad = () => {
      throw new Error('observer failed');
    };
    tap.observers.add(bad);
    tap.observers.add((command) => seen.push(command.name));
    try {
      expect(await c.echo('a')).toBe('a');
      await expect(c.call('nosuchcommand')).rejects.toThrow(/unknown command/i);
      expect(await c.echo('b')).toBe('b');
      expect(seen).toEqual(['echo', 'nosuchcommand', 'echo']);
      expect(tap.pending).toBe(0);
    } finally {
      tap.observers.clear();
      c.disconnect();
    }
  });

  it('holds nothing per command while it has neither observers nor a deadline', async () => {
    const c = new Redis(server.url);
    try {
      await ready(c);
      const tap = commandTap(c);
      const reply = c.echo('x');
      expect(tap.pending).toBe(0);
      expect(await reply).toBe('x');
    } finally {
      c.disconnect();
    }
  });
});
