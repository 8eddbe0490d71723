import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { claimsOf } from './session-helpers.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`POST /refresh (${store} store)`, () => {
    let svc: RunningService;
    let short: RunningService;
    let strict: RunningService;
    // `short`'s time: "after the grace window" is a move of this clock, not a sleep.
    const shortClock = new FakeClock();
    beforeAll(async () => {
      // The default grace window (30 s); a one-second one on a fake clock; none.
      [svc, short, strict] = await Promise.all([startService({}, store), startService({ refreshGraceSeconds: 1 }, store, { clock: shortClock }), startService({ refreshGraceSeconds: 0 }, store)]);
    });
    afterAll(() => Promise.all([svc.close(), short.close(), strict.close()]));
    const refresh = (refresh_token: string, on = svc) => postJson(`${on.api}/refresh`, { refresh_token });

    it('rotates: a new pair with the same identity, the old token spent, never cached', async () => {
      const first = await signIn(svc.api);
      const res = await refresh(first.refresh_token);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, address: first.address, algorithm: 'Ed25519' });
      expect(res.json.refresh_token).not.toBe(first.refresh_token);
      expect(res.json.access_token).not.toBe(first.access_token);
      expect(claimsOf(res.json.access_token)).toMatchObject({ sub: first.address, role: 'wallet', wallet_address: first.address, algorithm: 'Ed25519' });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('within the grace window, a retry gets the same new refresh token (and a fresh access token); the session lives on', async () => {
      const first = await signIn(svc.api);
      const a = await refresh(first.refresh_token);
      const b = await refresh(first.refresh_token);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.json.refresh_token).toBe(a.json.refresh_token);
      expect(claimsOf(b.json.access_token).jti).not.toBe(claimsOf(a.json.access_token).jti);
      expect(claimsOf(b.json.access_token)).toMatchObject({ sub: first.address, role: 'wallet' });
      const next = await refresh(a.json.refresh_token);
      expect(next.status).toBe(200);
      // A late retry of the first token follows the session to its live token.
      const late = await refresh(first.refresh_token);
      expect(late.status).toBe(200);
      expect(late.json.refresh_token).toBe(next.json.refresh_token);
    });

    it('of 20 concurrent refreshes of one token, every one gets the same new refresh token, which works', async () => {
      const first = await signIn(svc.api);
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh_token)));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(results.map((r) => r.json.refresh_token)).size).toBe(1);
      expect((await refresh(results[0]!.json.refresh_token)).status).toBe(200);
    });

    it('after the grace window, reuse gets 401 and revokes the whole family', async () => {
      const first = await signIn(short.api);
      const second = await refresh(first.refresh_token, short);
      shortClock.advancePastWallClock(1100); // past the one-second window
      const reuse = await refresh(first.refresh_token, short);
      expect(reuse.status).toBe(401);
      expect(reuse.json.error).toBe('refresh_token_reused');
      expect(reuse.headers.get('cache-control')).toBe('no-store');
      const descendant = await refresh(second.json.refresh_token, short);
      expect(descendant.status).toBe(401);
      expect(descendant.json.error).toBe('invalid_refresh_token');
    });

    it('with the grace window off (AUTH_REFRESH_GRACE_SECONDS=0), any reuse revokes at once and one of 20 concurrent refreshes wins', async () => {
      const first = await signIn(strict.api);
      const second = await refresh(first.refresh_token, strict);
      expect((await refresh(first.refresh_token, strict)).json.error).toBe('refresh_token_reused');
      expect((await refresh(second.json.refresh_token, strict)).json.error).toBe('invalid_refresh_token');
      const other = await signIn(strict.api);
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(other.refresh_token, strict)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('refuses an access token, garbage and forged tokens as refresh tokens (401), and bad bodies (400)', async () => {
      const first = await signIn(svc.api);
      for (const token of [first.access_token, 'garbage', `${first.refresh_token.split('.')[0]}.${'A'.repeat(43)}`]) {
        const res = await refresh(token);
        expect(res.status).toBe(401);
        expect(res.json.error).toBe('invalid_refresh_token');
      }
      expect((await postJson(`${svc.api}/refresh`, {})).status).toBe(400);
      expect((await postJson(`${svc.api}/refresh`, { refresh_token: 42 })).status).toBe(400);
    });
  });
}
