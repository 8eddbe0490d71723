import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`POST /refresh (${store} store)`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      svc = await startService({}, store);
    });
    afterAll(() => svc.close());

    it('rotates: a new pair with the same identity, the old token spent', async () => {
      const first = await signIn(svc.api);
      const res = await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, address: first.address, algorithm: 'Ed25519' });
      expect(res.json.refresh_token).not.toBe(first.refresh_token);
      expect(res.json.access_token).not.toBe(first.access_token);
      const claims = JSON.parse(Buffer.from(res.json.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: first.address, role: 'wallet', wallet_address: first.address, algorithm: 'Ed25519' });
    });

    it('detects reuse: the spent token gets 401 and the whole family is revoked', async () => {
      const first = await signIn(svc.api);
      const second = await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token });
      const reuse = await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token });
      expect(reuse.status).toBe(401);
      expect(reuse.json.error).toBe('refresh_token_reused');
      const descendant = await postJson(`${svc.api}/refresh`, { refresh_token: second.json.refresh_token });
      expect(descendant.status).toBe(401);
      expect(descendant.json.error).toBe('invalid_refresh_token');
    });

    it('lets exactly one of 20 concurrent refreshes of one token succeed', async () => {
      const first = await signIn(svc.api);
      const results = await Promise.all(Array.from({ length: 20 }, () => postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('refuses an access token, garbage and forged tokens as refresh tokens (401), and bad bodies (400)', async () => {
      const first = await signIn(svc.api);
      for (const token of [first.access_token, 'garbage', `${first.refresh_token.split('.')[0]}.${'A'.repeat(43)}`]) {
        const res = await postJson(`${svc.api}/refresh`, { refresh_token: token });
        expect(res.status).toBe(401);
        expect(res.json.error).toBe('invalid_refresh_token');
      }
      expect((await postJson(`${svc.api}/refresh`, {})).status).toBe(400);
      expect((await postJson(`${svc.api}/refresh`, { refresh_token: 42 })).status).toBe(400);
    });
  });
}
