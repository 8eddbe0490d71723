import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { ed25519Wallet, makeKeyDir, postJson, signIn } from '../../helpers/service.js';

/** Redis stopped under a running service: 503 fast, JWKS and readiness unaffected, quick recovery. */
describe('Redis outage', () => {
  let redis: RedisServerProcess;
  let service: AuthService;
  let api: string;
  let url: string;
  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), redisUrl: redis.url, logLevel: 'silent' } });
    ({ url } = await service.listen(0, '127.0.0.1'));
    api = `${url}/api/v1/auth`;
  });
  afterAll(async () => {
    await service.close();
    await redis.stop();
  });

  it('answers 503 within a second while Redis is down, keeps JWKS and readiness, recovers after', async () => {
    const tokens = await signIn(api);
    await redis.stop('SIGKILL');

    for (const [path, body] of [
      ['challenge', { address: ed25519Wallet().address }],
      ['sign-in', ed25519Wallet().body('ab'.repeat(32))],
      ['refresh', { refresh_token: tokens.refresh_token }],
    ] as const) {
      const started = performance.now();
      const res = await postJson(`${api}/${path}`, body);
      const elapsed = performance.now() - started;
      expect(res.status, path).toBe(503);
      expect(res.json.error).toBe('store_unavailable');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(elapsed, `${path} took ${elapsed} ms`).toBeLessThan(1000);
    }
    expect((await fetch(`${api}/jwks`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { store: { ready: boolean } }).store.ready).toBe(false);

    await redis.start();
    // Recovery within 2 s of Redis being back, polled (the reconnect backoff is capped at 500 ms).
    await expect.poll(async () => (await postJson(`${api}/challenge`, { address: ed25519Wallet().address })).status, { timeout: 2000, interval: 50 }).toBe(200);
    // The refresh token was not lost by the failed attempt... but Redis restarted empty (no persistence),
    // so here we only check that sign-in works again end to end.
    await signIn(api);
  });
});
