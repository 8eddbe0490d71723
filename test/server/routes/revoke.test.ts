import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { adminSettings, bearer, claimsOf, FLEET_SECRET, getJson, operatorToken, serviceToken } from './session-helpers.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`POST /revoke (${store} store)`, () => {
    let svc: RunningService;
    let op: string;
    beforeAll(async () => {
      svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, fleetRoles: ['agent', 'service'] }, store);
      op = await operatorToken(svc.api);
    });
    afterAll(() => svc.close());

    const revoke = (body: unknown, token = op) => postJson(`${svc.api}/revoke`, body, bearer(token));

    it('refuses anonymous callers, garbage and foreign tokens (401) and non-operators (403)', async () => {
      const anon = await postJson(`${svc.api}/revoke`, { jti: 'x' });
      expect(anon.status).toBe(401);
      expect(anon.json.error).toBe('missing_token');
      expect(anon.headers.get('www-authenticate')).toBe('Bearer');
      expect((await revoke({ jti: 'x' }, 'not.a.jwt')).json.error).toBe('invalid_token');

      // Same claims, signed by a key that is not in our keyring.
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await new SignJWT({ role: 'operator' })
        .setProtectedHeader({ alg: 'RS256', kid: claimsOf(op).jti as string, typ: 'JWT' })
        .setIssuer('https://auth.test').setAudience('test-platform').setSubject('evil').setJti('j').setIssuedAt().setExpirationTime('5m')
        .sign(privateKey);
      expect((await revoke({ jti: 'x' }, foreign)).status).toBe(401);
      // alg "none" never passes the allowlist.
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claimsOf(op) })).toString('base64url')}.`;
      expect((await revoke({ jti: 'x' }, none)).status).toBe(401);

      const wallet = await signIn(svc.api);
      const asWallet = await revoke({ jti: 'x' }, wallet.access_token);
      expect(asWallet.status).toBe(403);
      expect(asWallet.json.error).toBe('insufficient_role');
      const svcTok = await serviceToken(svc.api, 'service');
      expect((await revoke({ jti: 'x' }, svcTok.access_token)).status).toBe(403);
    });

    it('revokes a jti in the contract shape, idempotently (the original record comes back)', async () => {
      const wallet = await signIn(svc.api);
      const jti = claimsOf(wallet.access_token).jti as string;
      const first = await revoke({ jti, reason: 'stolen laptop' });
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ revoked: { jti, revoked_at: expect.any(Number), reason: 'stolen laptop', revoked_by: 'admin@example.test' } });
      expect(Math.abs(first.json.revoked.revoked_at - Date.now() / 1000)).toBeLessThan(5);
      const again = await revoke({ jti, reason: 'another reason' });
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
      const list = await getJson(`${svc.api}/revoked-jtis`, op);
      expect(list.json.items.filter((i: { jti: string }) => i.jti === jti)).toHaveLength(1);
    });

    it('keeps a revocation for the longest remaining token life, shortened (never lengthened) by a given exp', async () => {
      const now = Math.floor(Date.now() / 1000);
      await revoke({ jti: 'default-life' });
      await revoke({ jti: 'short-life', exp: now + 120 });
      await revoke({ jti: 'long-life', exp: now + 10 * 365 * 86_400 });
      const items = new Map<string, number>((await getJson(`${svc.api}/revoked-jtis`, op)).json.items.map((i: { jti: string; exp: number }) => [i.jti, i.exp]));
      // Service tokens are enabled, so the longest life is the service-token cap (86400 s by default).
      expect(items.get('default-life')! - now).toBeGreaterThanOrEqual(86_400 - 2);
      expect(items.get('default-life')! - now).toBeLessThanOrEqual(86_400 + 2);
      expect(items.get('short-life')).toBe(now + 120);
      expect(items.get('long-life')! - now).toBeLessThanOrEqual(86_400 + 2);
    });

    it('revokes a refresh family: every refresh token of that sign-in is dead', async () => {
      const wallet = await signIn(svc.api);
      const family = wallet.refresh_token.split('.')[0];
      const res = await revoke({ family, reason: 'logout everywhere' });
      expect(res.status).toBe(200);
      expect(res.json.revoked).toMatchObject({ family, reason: 'logout everywhere', revoked_by: 'admin@example.test' });
      const refresh = await postJson(`${svc.api}/refresh`, { refresh_token: wallet.refresh_token });
      expect(refresh.status).toBe(401);
      expect(refresh.json.error).toBe('invalid_refresh_token');
    });

    it('answers 400 for malformed bodies', async () => {
      for (const body of [{}, { jti: '' }, { jti: 42 }, { jti: 'a', family: 'b'.repeat(22) }, { family: 'short' }, { jti: 'a', reason: 7 }, { jti: 'a', exp: 'soon' }, { jti: 'a b' }, { jti: 'x'.repeat(201) }]) {
        const res = await revoke(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error).toBe('invalid_request');
      }
      expect((await revoke('[1]')).status).toBe(400);
    });

    it('a revoked operator token can no longer act (401 token_revoked)', async () => {
      const other = await operatorToken(svc.api);
      expect((await revoke({ jti: claimsOf(other).jti })).status).toBe(200);
      const res = await revoke({ jti: 'anything' }, other);
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('token_revoked');
      expect((await getJson(`${svc.api}/revoked-jtis`, other)).status).toBe(401);
    });
  });
}
