import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/lib/password.js';
import { createAuthService, type AuthService, type ServerAuthSettings } from '../../../src/server/index.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';
import { makeKeyDir, postJson, signIn } from '../../helpers/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminSettings, claimsOf, getJson, operatorToken } from './session-helpers.js';

/**
 * Operator sessions end with the credential that started them (issue 15): replicas on one Redis,
 * the "before" one with the admin login as it was, the others as an operator reconfigured it
 * (login off, new password, new e-mail): what a rolling restart after the change looks like.
 */
describe.skipIf(noRedis())('operator sessions follow the admin credential', () => {
  const prefix = uniquePrefix('opsess');
  const keysDir = makeKeyDir('EdDSA');
  const services: AuthService[] = [];
  const start = async (settings: ServerAuthSettings) => {
    const service = await createAuthService({ serverAuth: { keysDir, logLevel: 'silent', issuer: 'https://auth.test', redisUrl: redisUrl(), redisKeyPrefix: prefix, rateLimitLoginPerEmail: 0, rateLimitLoginPerIp: 0, ...settings } });
    services.push(service);
    return `${(await service.listen(0, '127.0.0.1')).url}/api/v1/auth`;
  };
  let before: string;
  let same: string;
  let off: string;
  let rehashed: string;
  let renamed: string;
  beforeAll(async () => {
    const admin = await adminSettings();
    before = await start(admin);
    same = await start(admin);
    off = await start({});
    rehashed = await start({ adminEmail: ADMIN_EMAIL, adminPasswordHash: await hashPassword('a new password', { ln: 10, r: 8, p: 1 }) });
    renamed = await start({ ...admin, adminEmail: 'someone-else@example.test' });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    await deleteByPrefix(redisUrl(), prefix);
  });

  const login = async () => {
    const res = await postJson(`${before}/login`, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    return res.json.refresh_token as string;
  };

  it('still refreshes to role operator while the credential is unchanged (on any replica)', async () => {
    const res = await postJson(`${same}/refresh`, { refresh_token: await login() });
    expect(res.status).toBe(200);
    expect(claimsOf(res.json.access_token)).toMatchObject({ sub: ADMIN_EMAIL, role: 'operator' });
  });

  for (const [change, api] of [
    ['the admin login is turned off', () => off],
    ['the password hash changed', () => rehashed],
    ['the admin e-mail changed', () => renamed],
  ] as const) {
    it(`401 and the family revoked once ${change}`, async () => {
      const token = await login();
      const family = token.split('.')[0];
      const res = await postJson(`${api()}/refresh`, { refresh_token: token });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('credential_changed');
      expect(res.headers.get('cache-control')).toBe('no-store');
      // Revoked for good: the replica that still has the old credential refuses it too,
      const back = await postJson(`${before}/refresh`, { refresh_token: token });
      expect(back.status).toBe(401);
      expect(back.json.error).toBe('invalid_refresh_token');
      // and it left the mint audit (written by the other replica: visible within its 50 ms batch).
      const operator = await operatorToken(before);
      await expect
        .poll(async () => (await getJson(`${before}/mints?kind=admin&limit=100`, operator)).json.items.map((m: { id: string }) => m.id), { timeout: 3000, interval: 50 })
        .not.toContain(family);
    });
  }

  it('leaves wallet sessions alone', async () => {
    const wallet = await signIn(before);
    expect((await postJson(`${off}/refresh`, { refresh_token: wallet.refresh_token })).status).toBe(200);
  });
});
