import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { noRedis, redisUrl, uniquePrefix, deleteByPrefix } from '../../helpers/redis.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { ed25519Wallet, makeKeyDir, postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminSettings, bearer, FLEET_SECRET, getJson, operatorToken } from './session-helpers.js';

const evm = '0x52908400098527886e0f7030069857d2e4169ee7';

describe('rate limits (memory store)', () => {
  let svc: RunningService;
  const limited: string[] = [];
  beforeAll(async () => {
    svc = await startService({
      ...(await adminSettings()),
      fleetSecret: FLEET_SECRET,
      rateLimitChallengePerIp: 6,
      rateLimitChallengePerAddress: 2,
      rateLimitSignInPerIp: 1,
      rateLimitRefreshPerIp: 1,
      rateLimitFleetPerIp: 1,
      rateLimitLoginPerIp: 0,
    });
    svc.service.events.on('rateLimited', (name) => limited.push(name));
  });
  afterAll(() => svc.close());

  it('/challenge per address (canonical form: case does not buy a fresh budget), then per IP; 429 with Retry-After', async () => {
    expect((await postJson(`${svc.api}/challenge`, { address: evm })).status).toBe(200);
    expect((await postJson(`${svc.api}/challenge`, { address: evm.toUpperCase().replace('0X', '0x') })).status).toBe(200);
    const third = await postJson(`${svc.api}/challenge`, { address: evm });
    expect(third.status).toBe(429);
    expect(third.json).toEqual({ detail: expect.any(String), error: 'rate_limited' });
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited).toContain('challenge_address');
    // Other addresses still pass until the per-IP budget (6, the three above included) is spent.
    for (let i = 0; i < 3; i++) expect((await postJson(`${svc.api}/challenge`, { address: ed25519Wallet().address })).status).toBe(200);
    expect((await postJson(`${svc.api}/challenge`, { address: ed25519Wallet().address })).status).toBe(429);
    expect(limited).toContain('challenge_ip');
  });

  it('/sign-in, /refresh and /fleet/sessions per IP', async () => {
    const wallet = ed25519Wallet();
    expect((await postJson(`${svc.api}/sign-in`, wallet.body('ab'.repeat(32)))).status).toBe(401);
    expect((await postJson(`${svc.api}/sign-in`, wallet.body('ab'.repeat(32)))).status).toBe(429);
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: 'x' })).status).toBe(401);
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: 'x' })).status).toBe(429);
    const fleet = { session_id: 's', agent_id: 'a', role: 'agent' };
    expect((await postJson(`${svc.api}/fleet/sessions`, fleet, { 'x-fleet-secret': 'wrong-secret-guess' })).status).toBe(401);
    // Guessing the fleet secret is rate-limited too.
    expect((await postJson(`${svc.api}/fleet/sessions`, fleet, { 'x-fleet-secret': FLEET_SECRET })).status).toBe(429);
    expect(limited).toEqual(expect.arrayContaining(['sign_in_ip', 'refresh_ip', 'fleet_ip']));
  });

  it('a limit of 0 is off', async () => {
    for (let i = 0; i < 8; i++) expect((await postJson(`${svc.api}/login`, { email: `u${i}@example.test`, password: 'x' })).status).toBe(401);
  });
});

describe('client IP and AUTH_TRUST_PROXY', () => {
  const spoof = (api: string, ip: string) => postJson(`${api}/refresh`, { refresh_token: 'x' }, { 'x-forwarded-for': ip });

  it('ignores X-Forwarded-For by default: a spoofed header does not buy a fresh budget', async () => {
    const svc = await startService({ rateLimitRefreshPerIp: 1 });
    try {
      expect((await spoof(svc.api, '203.0.113.1')).status).toBe(401);
      expect((await spoof(svc.api, '203.0.113.2')).status).toBe(429);
    } finally {
      await svc.close();
    }
  });

  it('honours the last hop of X-Forwarded-For with AUTH_TRUST_PROXY=1', async () => {
    const service = await createAuthService({ env: { AUTH_TRUST_PROXY: '1', AUTH_RATE_LIMIT_REFRESH_PER_IP: '1' }, serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent' } });
    const { url } = await service.listen(0, '127.0.0.1');
    const api = `${url}/api/v1/auth`;
    try {
      expect((await spoof(api, '203.0.113.1')).status).toBe(401);
      expect((await spoof(api, '203.0.113.2')).status).toBe(401);
      expect((await spoof(api, '203.0.113.1')).status).toBe(429);
      // With one trusted proxy, only the address that proxy saw counts: a client-supplied prefix does not.
      expect((await spoof(api, '198.51.100.7, 203.0.113.2')).status).toBe(429);
    } finally {
      await service.close();
    }
  });
});

describe.skipIf(noRedis())('rate limits on Redis', () => {
  it('are shared by two replicas', async () => {
    const prefix = uniquePrefix('rl');
    const make = () => createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', redisUrl: redisUrl(), redisKeyPrefix: prefix, rateLimitRefreshPerIp: 2 } });
    const [a, b] = await Promise.all([make(), make()]);
    try {
      const [ua, ub] = await Promise.all([a.listen(0, '127.0.0.1'), b.listen(0, '127.0.0.1')]);
      expect((await postJson(`${ua.url}/api/v1/auth/refresh`, { refresh_token: 'x' })).status).toBe(401);
      expect((await postJson(`${ub.url}/api/v1/auth/refresh`, { refresh_token: 'x' })).status).toBe(401);
      expect((await postJson(`${ua.url}/api/v1/auth/refresh`, { refresh_token: 'x' })).status).toBe(429);
      expect((await postJson(`${ub.url}/api/v1/auth/refresh`, { refresh_token: 'x' })).status).toBe(429);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deleteByPrefix(redisUrl(), prefix);
    }
  });
});

describe('a Redis outage never makes the limited and operator endpoints hang', () => {
  let redis: RedisServerProcess;
  let service: AuthService;
  let api: string;
  let op: string;
  let refreshToken: string;
  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), redisUrl: redis.url, logLevel: 'silent', fleetSecret: FLEET_SECRET, ...(await adminSettings()) } });
    api = `${(await service.listen(0, '127.0.0.1')).url}/api/v1/auth`;
    op = await operatorToken(api);
    refreshToken = (await signIn(api)).refresh_token;
  });
  afterAll(async () => {
    await service.close();
    await redis.stop();
  });

  const calls = () =>
    [
      ['challenge', () => postJson(`${api}/challenge`, { address: ed25519Wallet().address })],
      ['sign-in', () => postJson(`${api}/sign-in`, ed25519Wallet().body('ab'.repeat(32)))],
      ['refresh', () => postJson(`${api}/refresh`, { refresh_token: refreshToken })],
      ['login', () => postJson(`${api}/login`, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })],
      ['revoke', () => postJson(`${api}/revoke`, { jti: 'x' }, bearer(op))],
      ['revoked-jtis', () => getJson(`${api}/revoked-jtis`, op)],
      ['mints', () => getJson(`${api}/mints`, op)],
    ] as const;

  it('answers 503 within a second while Redis hangs (CLIENT PAUSE), and again while it is down', async () => {
    const admin = new Redis(redis.url);
    // Long enough to cover every call below; the server is killed right after.
    await admin.call('CLIENT', 'PAUSE', '20000', 'ALL');
    try {
      for (const [name, call] of calls()) {
        const started = performance.now();
        const res = await call();
        const elapsed = performance.now() - started;
        expect(res.status, `${name} while paused: ${res.text}`).toBe(503);
        expect(res.headers.get('retry-after'), name).not.toBeNull();
        expect(elapsed, `${name} took ${elapsed} ms while Redis hung`).toBeLessThan(1000);
      }
    } finally {
      admin.disconnect();
    }
    await redis.stop('SIGKILL');
    // Down (refused at once, no offline queue): the bound only has to catch a hang, as in the outage
    // test (10x the 500 ms command timeout); the paused case above keeps 1 s, which tells a timed-out
    // command (~0.6 s) from commands queued behind each other.
    for (const [name, call] of calls()) {
      const started = performance.now();
      const res = await call();
      expect(res.status, `${name} while down`).toBe(503);
      expect(performance.now() - started, `${name} while down: a hang`).toBeLessThan(5000);
    }
  });
});
