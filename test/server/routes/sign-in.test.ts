import { createRemoteJWKSet, jwtVerify } from 'jose';
import { FakeClock } from '../../helpers/fake-clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Wallet, postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { noRedis } from '../../helpers/redis.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`challenge and sign-in (${store} store)`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      svc = await startService({ challengeTtlSeconds: 5 }, store);
    });
    afterAll(() => svc.close());

    it('issues a 64-hex challenge with ttl and expiry', async () => {
      const w = ed25519Wallet();
      const res = await postJson(`${svc.api}/challenge`, { address: w.address.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.json.challenge).toMatch(/^[0-9a-f]{64}$/);
      expect(res.json.ttl).toBe(5);
      expect(res.json.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(4);
    });

    it('signs in and returns tokens that verify through the JWKS with the contract claims', async () => {
      const res = await signIn(svc.api);
      expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 900, algorithm: 'Ed25519', address: res.wallet.address });
      expect(res.refresh_token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      const jwks = createRemoteJWKSet(new URL(`${svc.api}/jwks`));
      const { payload, protectedHeader } = await jwtVerify(res.access_token, jwks, { issuer: 'https://auth.test', audience: 'test-platform', algorithms: ['RS256'] });
      expect(protectedHeader.typ).toBe('JWT');
      expect(payload).toMatchObject({ sub: res.wallet.address, role: 'wallet', wallet_address: res.wallet.address, algorithm: 'Ed25519' });
      expect(payload.jti).toBeTruthy();
    });

    it('refuses address spoofing: a challenge for the victim signed by another key', async () => {
      const victim = ed25519Wallet();
      const attacker = ed25519Wallet();
      const ch = await postJson(`${svc.api}/challenge`, { address: victim.address });
      // attacker claims the victim's address with its own key
      const res = await postJson(`${svc.api}/sign-in`, { ...attacker.body(ch.json.challenge), address: victim.address });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('address_mismatch');
      // attacker names its own address: the challenge was issued for the victim
      const ch2 = await postJson(`${svc.api}/challenge`, { address: victim.address });
      const res2 = await postJson(`${svc.api}/sign-in`, attacker.body(ch2.json.challenge));
      expect(res2.status).toBe(401);
      expect(res2.json.error).toBe('address_mismatch');
    });

    it('spends a challenge once: a replay is refused', async () => {
      const w = ed25519Wallet();
      const ch = await postJson(`${svc.api}/challenge`, { address: w.address });
      expect((await postJson(`${svc.api}/sign-in`, w.body(ch.json.challenge))).status).toBe(200);
      const replay = await postJson(`${svc.api}/sign-in`, w.body(ch.json.challenge));
      expect(replay.status).toBe(401);
      expect(replay.json.error).toBe('invalid_challenge');
    });

    it('spends the challenge on a wrong signature too (no second guess)', async () => {
      const w = ed25519Wallet();
      const ch = await postJson(`${svc.api}/challenge`, { address: w.address });
      const bad = { ...w.body(ch.json.challenge), signature: w.sign('something else') };
      const res = await postJson(`${svc.api}/sign-in`, bad);
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('bad_signature');
      expect((await postJson(`${svc.api}/sign-in`, w.body(ch.json.challenge))).json.error).toBe('invalid_challenge');
    });

    it('gives exactly one success to 25 concurrent sign-ins on one challenge', async () => {
      const w = ed25519Wallet();
      const ch = await postJson(`${svc.api}/challenge`, { address: w.address });
      const body = w.body(ch.json.challenge);
      const results = await Promise.all(Array.from({ length: 25 }, () => postJson(`${svc.api}/sign-in`, body)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(24);
    });

    it('a second challenge does not cancel the first; an unknown nonce burns nothing', async () => {
      const w = ed25519Wallet();
      const first = await postJson(`${svc.api}/challenge`, { address: w.address });
      const second = await postJson(`${svc.api}/challenge`, { address: w.address });
      const unknown = await postJson(`${svc.api}/sign-in`, w.body('ab'.repeat(32)));
      expect(unknown.status).toBe(401);
      expect((await postJson(`${svc.api}/sign-in`, w.body(first.json.challenge))).status).toBe(200);
      expect((await postJson(`${svc.api}/sign-in`, w.body(second.json.challenge))).status).toBe(200);
    });

    it('rejects an expired challenge', async () => {
      const w = ed25519Wallet();
      const clock = new FakeClock();
      const short = await startService({ challengeTtlSeconds: 5 }, store, { clock });
      try {
        const ch = await postJson(`${short.api}/challenge`, { address: w.address });
        clock.advance(6000); // the TTL passed (Redis's own TTL is covered by the store suite)
        const res = await postJson(`${short.api}/sign-in`, w.body(ch.json.challenge));
        expect(res.status).toBe(401);
        expect(res.json.error).toBe('invalid_challenge');
      } finally {
        await short.close();
      }
    });

    it('a malformed sign-in does not burn the challenge', async () => {
      const w = ed25519Wallet();
      const ch = await postJson(`${svc.api}/challenge`, { address: w.address });
      const bad = await postJson(`${svc.api}/sign-in`, { ...w.body(ch.json.challenge), signature: 'zz' });
      expect(bad.status).toBe(400);
      expect((await postJson(`${svc.api}/sign-in`, w.body(ch.json.challenge))).status).toBe(200);
    });
  });
}
