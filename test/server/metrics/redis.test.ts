import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { defineMetrics } from '../../../src/server/metrics/definitions.js';
import { observeRedisCommands, redisCommandMetrics } from '../../../src/server/metrics/redis.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { ed25519Wallet, makeKeyDir, postJson, signIn } from '../../helpers/service.js';
import { delta, parseExposition, scrape, total, value } from './exposition.js';

describe('Redis command metrics of a running service', () => {
  let redis: RedisServerProcess;
  let service: AuthService;
  let url: string;
  const metrics = () => scrape(`${url}/metrics`);
  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), redisUrl: redis.url, logLevel: 'silent', shutdownGraceSeconds: 1 } });
    ({ url } = await service.listen(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await service.close();
    await redis.stop();
  });

  it('times the commands of real flows, and counts failures while Redis is down', async () => {
    const before = await metrics();
    await signIn(`${url}/api/v1/auth`);
    const after = await metrics();
    const commands = new Set(after.filter((s) => s.name === 'pico_auth_redis_command_duration_seconds_count').map((s) => s.labels.command!));
    expect(delta(before, after, 'pico_auth_redis_command_duration_seconds_count')).toBeGreaterThanOrEqual(3);
    for (const command of commands) expect(command).toMatch(/^[a-z][a-z0-9_.:-]*$/);
    // Every command of the flow goes through the wrapper: the challenge's SET and sequence script,
    // the GETDEL and counter read that spend it, the script creating the refresh family (EVAL on a
    // fresh server, EVALSHA after). MULTI members are checked in 'observeRedisCommands' below.
    for (const command of ['set', 'getdel', 'get']) expect(commands.has(command)).toBe(true);
    expect(commands.has('eval') || commands.has('evalsha')).toBe(true);
    expect(value(after, 'pico_auth_store_up', { backend: 'redis' })).toBe(1);
    expect(total(after, 'pico_auth_redis_command_errors_total')).toBe(0);

    await redis.stop('SIGKILL');
    const down = await postJson(`${url}/api/v1/auth/challenge`, { address: ed25519Wallet().address });
    expect(down.status).toBe(503);
    const wallet = ed25519Wallet();
    expect((await postJson(`${url}/api/v1/auth/sign-in`, wallet.body('ab'.repeat(32)))).status).toBe(503);
    const during = await metrics();
    expect(delta(after, during, 'pico_auth_redis_command_errors_total')).toBeGreaterThanOrEqual(2);
    expect(value(during, 'pico_auth_store_up', { backend: 'redis' })).toBe(0);
    expect(delta(after, during, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'unavailable' })).toBe(1);

    await redis.start();
    await expect.poll(async () => value(await metrics(), 'pico_auth_store_up', { backend: 'redis' }), { timeout: 5000, interval: 50 }).toBe(1);
  });
});

describe.skipIf(noRedis())('observeRedisCommands', () => {
  let client: Redis;
  const prefix = uniquePrefix('metrics-redis');
  beforeAll(async () => {
    client = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    await client.ping(); // past the connection handshake, so the tests see only their own commands
  });
  afterAll(async () => {
    client.disconnect();
    await deleteByPrefix(redisUrl(), prefix);
  });

  it('sees plain, MULTI and failed commands once each, fans out to every observer, and detaches', async () => {
    const seenA: [string, boolean][] = [];
    const seenB: string[] = [];
    const detachA = observeRedisCommands(client, (command, seconds, error) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      seenA.push([command.name, error !== undefined]);
    });
    const detachB = observeRedisCommands(client, (command) => seenB.push(command.name));
    await client.set(`${prefix}k`, 'v');
    await client.multi().set(`${prefix}m`, '1').get(`${prefix}m`).exec();
    await expect(client.call('nosuchcommand')).rejects.toThrow(/unknown command/i);
    expect(seenA).toEqual([
      ['set', false],
      ['multi', false],
      ['set', false],
      ['get', false],
      ['exec', false],
      ['nosuchcommand', true],
    ]);
    expect(seenB).toEqual(seenA.map(([name]) => name));

    detachA();
    await client.get(`${prefix}k`);
    expect(seenA).toHaveLength(6);
    expect(seenB.at(-1)).toBe('get');
    detachB();
  });

  it('feeds the histogram and the error counter, without counting NOSCRIPT as an error', async () => {
    const registry = new Registry();
    const detach = observeRedisCommands(client, redisCommandMetrics(defineMetrics(registry)));
    try {
      await client.get(`${prefix}k`);
      await expect(client.evalsha('0'.repeat(40), 0)).rejects.toThrow(/NOSCRIPT/);
      await expect(client.call('nosuchcommand')).rejects.toThrow();
      // ioredis's scripts send EVALSHA, get NOSCRIPT once, then EVAL: only the EVAL is what counts.
      await client.eval('return 1', 0);
      // What servers before 7.2 answer to the connection handshake's CLIENT SETINFO: not an error of ours.
      await client.call('CLIENT', 'SETINFO', 'LIB-NAME', 'pico-test').catch(() => undefined);
    } finally {
      detach();
    }
    const m = parseExposition(await registry.metrics());
    expect(value(m, 'pico_auth_redis_command_duration_seconds_count', { command: 'get' })).toBe(1);
    expect(value(m, 'pico_auth_redis_command_duration_seconds_count', { command: 'eval' })).toBe(1);
    expect(value(m, 'pico_auth_redis_command_duration_seconds_count', { command: 'evalsha' })).toBeUndefined();
    expect(value(m, 'pico_auth_redis_command_errors_total', { command: 'nosuchcommand' })).toBe(1);
    expect(total(m, 'pico_auth_redis_command_errors_total')).toBe(1);
  });
});
