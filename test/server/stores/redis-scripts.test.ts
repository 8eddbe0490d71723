import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisStores, type Stores } from '../../../src/server/stores/index.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';

/** `INFO commandstats` as {command: calls}. */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/**
 * The stores' Lua scripts go by EVALSHA (the body is sent once per server, not per call) and keep
 * working when the server forgets them (restart, failover, SCRIPT FLUSH). A Redis of the test's own:
 * it flushes the script cache.
 */
describe('redis stores run their scripts by sha', () => {
  let server: RedisServerProcess;
  let stores: Stores;
  let admin: Redis;

  beforeAll(async () => {
    server = await RedisServerProcess.start();
    admin = new Redis(server.url);
    stores = createRedisStores(loadConfig({ redisUrl: server.url, redisKeyPrefix: 'scripts:' }), pino({ level: 'silent' }));
    expect(await (stores as Stores & { whenReady(ms: number): Promise<boolean> }).whenReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await stores?.close();
    admin?.disconnect();
    await server?.stop();
  });

  let round = 0;
  async function useEveryScript() {
    round++;
    const now = Math.floor(Date.now() / 1000);
    await stores.mints.add({ kind: 'wallet', id: `fam-${round}`, sub: 'alice', role: 'wallet', issuedAt: now, expiresAt: now + 60 });
    expect((await stores.mints.list({ limit: 10 })).items.map((m) => m.id)).toContain(`fam-${round}`);
    await stores.refreshTokens.create(`fam-${round}`, 'h0', { sub: 'alice', role: 'wallet' }, { expiresAt: now + 60 });
    expect((await stores.refreshTokens.rotate(`fam-${round}`, 'h0', { salt: 's1', hash: 'h1' }, { graceMs: 1000, credential: '' })).outcome).toBe('rotated');
    const jti = `jti-${round}`;
    expect((await stores.revocations.revoke({ jti, exp: now + 60, revokedAt: now, reason: 'test', revokedBy: 'ops' })).created).toBe(true);
    expect((await stores.revocations.list({ since: 0, limit: 100 })).items?.map((r) => r.jti)).toContain(jti);
  }

  it('sends each script body once, then only its sha', async () => {
    await admin.config('RESETSTAT');
    await useEveryScript();
    await useEveryScript();
    await useEveryScript();
    const calls = await commandCalls(admin);
    // 6 scripts (mint add/list, refresh create/rotate, revoke, revocation version): the first call of each is an
    // EVALSHA that Redis rejects (NOSCRIPT, not counted in `calls`) and then an EVAL; every later call an EVALSHA.
    expect(calls.eval).toBe(6);
    expect(calls.evalsha).toBe(12);
  });

  it('keeps working after the server forgot its scripts', async () => {
    await admin.script('FLUSH');
    await admin.config('RESETSTAT');
    await useEveryScript();
    const calls = await commandCalls(admin);
    expect(calls.eval).toBe(6);
    await useEveryScript();
    expect((await commandCalls(admin)).eval).toBe(6);
  });
});
