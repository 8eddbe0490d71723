import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Redis, type Command } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/client/metrics.js';
import { FastHistogram } from '../../../src/server/metrics/fast-histogram.js';
import { observeRedisCommands } from '../../../src/server/metrics/redis.js';
import { noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';

/**
 * The library behaviour two kept shortcuts rely on, beyond their documented API, checked so that an
 * upgrade that changes it fails here (package.json pins these libraries with `~`):
 * - metrics/fast-histogram.ts: prom-client's Registry renders any registered object with `name`,
 *   `help`, `type`, `aggregator` and `get()` (kept: 0.13-0.38 µs per observation against 7-9 µs for
 *   prom-client's Histogram, on the JWKS path whose requests cost ~55 µs; see the file).
 * - redis/command-tap.ts: every ioredis command goes through the instance's `sendCommand(command)`,
 *   with `name`, `args` and `promise` (ioredis has no per-command hook), and a command settles
 *   only through its own `resolve` / `reject` properties, which the tap wraps.
 * - metrics/events.ts: a counter's labelled child (`labels(...)`) resolved once keeps counting into
 *   the counter after `registry.resetMetrics()`, as a fresh `labels(...)` call would.
 * The client's scrape-time counters override prom-client's public `reset()` (a subclass, no patch).
 */
const root = join(import.meta.dirname, '../../..');
const installed = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const pinned = (name: string) => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies[name]!;

describe('library contracts of the kept shortcuts', () => {
  it('pins prom-client and ioredis to a minor line (~), and the installed versions are on it', () => {
    for (const name of ['prom-client', 'ioredis']) {
      const range = pinned(name);
      expect(range, name).toMatch(/^~\d+\.\d+\.\d+$/);
      const [major, minor] = range.slice(1).split('.');
      expect(installed(name).split('.').slice(0, 2), name).toEqual([major, minor]);
    }
  });

  it('prom-client: a registered custom collector is rendered, listed, reset and looked up like a metric', async () => {
    const registry = new Registry();
    const h = new FastHistogram({ name: 'x_seconds', help: 'X.', labelNames: ['a'] as const, buckets: [1], registers: [registry] });
    h.child('v')(0.5);
    expect(registry.getSingleMetric('x_seconds')).toBe(h);
    expect(await registry.metrics()).toContain('x_seconds_bucket{le="1",a="v"} 1');
    const json = await registry.getMetricsAsJSON();
    expect(json.find((m) => m.name === 'x_seconds')).toMatchObject({ type: 'histogram', help: 'X.' });
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('x_seconds_bucket{');
  });

  it('ioredis: commands, pipelines, MULTI and scripts all pass through the instance sendCommand with name, args, promise', async () => {
    expect(typeof Redis.prototype.sendCommand).toBe('function');
    expect(typeof Cluster.prototype.sendCommand).toBe('function');
    // No server: every command fails fast, which is enough to see what passes through.
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const seen: Pick<Command, 'name' | 'args'>[] = [];
    const detach = observeRedisCommands(client, (command, seconds, error) => {
      expect(error).toBeInstanceOf(Error);
      expect(seconds).toBeGreaterThanOrEqual(0);
      seen.push({ name: command.name, args: command.args });
    });
    client.defineCommand('probe', { lua: 'return 1', numberOfKeys: 1 });
    await client.get('k').catch(() => undefined);
    await client.pipeline().set('a', '1').get('a').exec().catch(() => undefined);
    await (client as unknown as { probe(k: string): Promise<unknown> }).probe('k').catch(() => undefined);
    detach();
    client.disconnect();
    expect(seen.map((c) => c.name)).toEqual(expect.arrayContaining(['get', 'set']));
    expect(seen.some((c) => c.name === 'evalsha' || c.name === 'eval')).toBe(true);
    expect(seen.find((c) => c.name === 'get')!.args).toEqual(['k']);
  });

  it.skipIf(noRedis())('ioredis: replies, error replies, pipeline, MULTI and script members settle through the command\'s resolve / reject properties', async () => {
    const client = new Redis(redisUrl(), { maxRetriesPerRequest: 0 });
    const key = `${uniquePrefix('contract')}k`;
    const settled: string[] = [];
    const original = client.sendCommand.bind(client);
    (client as unknown as { sendCommand: typeof original }).sendCommand = (command: Command, ...rest: unknown[]) => {
      const { resolve, reject } = command;
      command.resolve = (value: unknown) => {
        settled.push(`${command.name} ok`);
        return resolve(value);
      };
      command.reject = (err: Error) => {
        settled.push(`${command.name} error`);
        reject(err);
      };
      return (original as (c: Command, ...r: unknown[]) => unknown)(command, ...rest) as ReturnType<typeof original>;
    };
    try {
      await client.ping();
      settled.length = 0;
      expect(await client.set(key, 'v', 'PX', 5000)).toBe('OK');
      await expect(client.call('nosuchcommand')).rejects.toThrow(/unknown command/i);
      expect(await client.pipeline().get(key).get(key).exec()).toEqual([[null, 'v'], [null, 'v']]);
      expect(await client.multi().get(key).exec()).toEqual([[null, 'v']]);
      expect(await client.eval('return 7', 0)).toBe(7);
      expect(settled).toEqual(['set ok', 'nosuchcommand error', 'get ok', 'get ok', 'multi ok', 'get ok', 'exec ok', 'eval ok']);
    } finally {
      await client.del(key);
      client.disconnect();
    }
  });

  it("client: registry.resetMetrics() forgets the scrape-time counters' pending counts (the reset override runs)", async () => {
    const registry = new Registry();
    const { sink, registered } = createMetrics(registry, () => undefined);
    await registered;
    sink.validation('ok');
    sink.tokenCache(true);
    registry.resetMetrics();
    const text = await registry.metrics();
    expect(text).not.toMatch(/pico_auth_client_validations_total\{outcome="ok"\} [1-9]/);
    expect(text).not.toMatch(/pico_auth_client_token_cache_hits_total [1-9]/);
    sink.validation('ok');
    expect(await registry.metrics()).toMatch(/pico_auth_client_validations_total\{outcome="ok"\} 1/);
  });

  it('prom-client: a labelled counter child resolved once counts after resetMetrics(), into the fresh series', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'y_total', help: 'Y.', labelNames: ['a', 'b'], registers: [registry] });
    const child = c.labels('x', 'y');
    child.inc();
    child.inc();
    expect(await registry.metrics()).toMatch(/y_total\{a="x",b="y"\} 2/);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toMatch(/y_total\{a="x"/);
    child.inc();
    expect(await registry.metrics()).toMatch(/y_total\{a="x",b="y"\} 1/);
    expect((await c.get()).values).toEqual([{ value: 1, labels: { a: 'x', b: 'y' } }]);
  });
});
