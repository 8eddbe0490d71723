import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthService } from '../../../src/server/index.js';
import * as password from '../../../src/lib/password.js';
import { isPasswordHash, verifyPassword } from '../../../src/lib/password.js';

// hashPassword, observed (it still hashes): the service's one call at start is the decoy.
vi.mock('../../../src/lib/password.js', async (original) => {
  const real = await original<typeof import('../../../src/lib/password.js')>();
  return { ...real, hashPassword: vi.fn(real.hashPassword) };
});
import { ConfigError } from '../../../src/server/errors/index.js';
import { noRedis } from '../../helpers/redis.js';
import { makeKeyDir, postJson, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminSettings, claimsOf } from './session-helpers.js';

describe('POST /login when not configured', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ adminEmail: ADMIN_EMAIL });
  });
  afterAll(() => svc.close());

  it('is 403 password_login_disabled unless both the e-mail and the hash are set', async () => {
    const res = await postJson(`${svc.api}/login`, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('password_login_disabled');
  });

  it('builds the decoy hash at start, before the first request (the first wrong e-mail costs no extra hash)', async () => {
    const settings = await adminSettings();
    const hashes = vi.mocked(password.hashPassword).mock;
    const before = hashes.calls.length;
    const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', ...settings } });
    try {
      // No request was ever made: the decoy must already be a finished hash, with the real hash's parameters.
      expect(hashes.calls.length - before).toBe(1);
      const decoy = await Promise.race([hashes.results[before]!.value as Promise<string>, Promise.resolve(undefined)]);
      expect(typeof decoy).toBe('string');
      expect(isPasswordHash(decoy!)).toBe(true);
      const params = (h: string) => h.split('$')[2];
      expect(params(decoy!)).toBe(params(settings.adminPasswordHash as string));
      expect(decoy).not.toBe(settings.adminPasswordHash);
      expect(await verifyPassword(ADMIN_PASSWORD, decoy!)).toBe(false);
    } finally {
      await service.close();
    }
  });

  it('refuses a malformed configured hash at start', async () => {
    await expect(createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', adminEmail: ADMIN_EMAIL, adminPasswordHash: 'plaintext-password' } })).rejects.toBeInstanceOf(ConfigError);
  });
});

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`POST /login (${store} store)`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      svc = await startService({ ...(await adminSettings()), rateLimitLoginPerEmail: 3, rateLimitLoginPerIp: 14 }, store);
    });
    afterAll(() => svc.close());

    it('signs the admin in with role operator (default), sub = e-mail, and a working refresh token', async () => {
      const res = await postJson(`${svc.api}/login`, { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
      expect(claimsOf(res.json.access_token)).toMatchObject({ sub: ADMIN_EMAIL, role: 'operator', iss: 'https://auth.test', aud: 'test-platform' });
      const refreshed = await postJson(`${svc.api}/refresh`, { refresh_token: res.json.refresh_token });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.json.access_token)).toMatchObject({ sub: ADMIN_EMAIL, role: 'operator' });
    });

    it('answers a wrong e-mail exactly like a wrong password', async () => {
      const wrongPassword = await postJson(`${svc.api}/login`, { email: 'other1@example.test', password: 'nope' });
      const wrongEmail = await postJson(`${svc.api}/login`, { email: 'other2@example.test', password: ADMIN_PASSWORD });
      expect(wrongPassword.status).toBe(401);
      expect(wrongEmail.status).toBe(401);
      expect(wrongEmail.json).toEqual(wrongPassword.json);
      expect(wrongEmail.json.error).toBe('invalid_credentials');
    });

    it('answers 400 for malformed bodies', async () => {
      for (const body of [{}, { email: ADMIN_EMAIL }, { email: 1, password: 'x' }, { email: ADMIN_EMAIL, password: '' }]) {
        expect((await postJson(`${svc.api}/login`, body)).status).toBe(400);
      }
    });

    it('rate-limits per e-mail (3 per window) before checking the password, with Retry-After', async () => {
      const email = 'victim@example.test';
      for (let i = 0; i < 3; i++) expect((await postJson(`${svc.api}/login`, { email, password: 'guess' })).status).toBe(401);
      const limited = await postJson(`${svc.api}/login`, { email, password: ADMIN_PASSWORD });
      expect(limited.status).toBe(429);
      expect(limited.json.error).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Case and spaces do not buy a fresh budget.
      expect((await postJson(`${svc.api}/login`, { email: ' VICTIM@example.test', password: 'guess' })).status).toBe(429);
    });

    it('rate-limits per IP (14 per window) across e-mails', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await postJson(`${svc.api}/login`, { email: `spray${i}@example.test`, password: 'guess' })).status);
      // The earlier tests of this block sent 12 requests from this IP (400s and 429s count too).
      expect(statuses).toEqual([401, 401, 429, 429]);
    });
  });
}
