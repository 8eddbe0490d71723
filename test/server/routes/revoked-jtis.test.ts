import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../helpers/fake-clock.js';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { adminSettings, bearer, FLEET_SECRET, getJson, operatorToken, serviceToken } from './session-helpers.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`GET /revoked-jtis (${store} store)`, () => {
    let svc: RunningService;
    let op: string;
    // The service's time: revocation times, expiries and pruning follow it (no sleeps).
    const clock = new FakeClock();
    beforeAll(async () => {
      svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, fleetRoles: ['agent', 'service'] }, store, { clock });
      op = await operatorToken(svc.api);
    });
    afterAll(() => svc.close());

    const revoke = (body: Record<string, unknown>) => postJson(`${svc.api}/revoke`, body, bearer(op));
    const list = (query = '', token = op, headers: Record<string, string> = {}) => getJson(`${svc.api}/revoked-jtis${query}`, token, headers);

    it('is for roles service and operator only: 401 anonymous, 403 wallet and agent', async () => {
      expect((await getJson(`${svc.api}/revoked-jtis`)).status).toBe(401);
      const wallet = await signIn(svc.api);
      const asWallet = await list('', wallet.access_token);
      expect(asWallet.status).toBe(403);
      expect(asWallet.json.error).toBe('insufficient_role');
      expect((await list('', (await serviceToken(svc.api, 'agent')).access_token)).status).toBe(403);
      const asService = await list('', (await serviceToken(svc.api, 'service')).access_token);
      expect(asService.status).toBe(200);
      expect(Array.isArray(asService.json.items)).toBe(true);
    });

    it('lists revocations as {jti, revoked_at, exp}; ?since= returns those revoked at or after it', async () => {
      await revoke({ jti: 'old-one' });
      const before = (await list()).json.items.find((i: { jti: string }) => i.jti === 'old-one');
      expect(Object.keys(before).sort()).toEqual(['exp', 'jti', 'revoked_at']);
      clock.advance(1100);
      await revoke({ jti: 'new-one' });
      const after = (await list()).json.items.find((i: { jti: string }) => i.jti === 'new-one');
      expect(after.revoked_at).toBeGreaterThan(before.revoked_at);
      const since = await list(`?since=${after.revoked_at}`);
      const jtis = since.json.items.map((i: { jti: string }) => i.jti);
      expect(jtis).toContain('new-one');
      expect(jtis).not.toContain('old-one');
      expect((await list(`?since=${after.revoked_at + 1}`)).json.items).toEqual([]);
    });

    it('sends an ETag; If-None-Match gets 304 until the list changes', async () => {
      const first = await list('?since=0');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"rv-\d+"$/);
      const again = await list('?since=0', op, { 'if-none-match': etag! });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      await revoke({ jti: `changed-${Date.now()}` });
      const changed = await list('?since=0', op, { 'if-none-match': etag! });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      // An unknown or foreign ETag is simply a miss.
      expect((await list('', op, { 'if-none-match': '"something-else"' })).status).toBe(200);
    });

    it('drops an entry once the token would have expired anyway (and the ETag moves)', async () => {
      const now = clock.seconds();
      await revoke({ jti: 'short-lived', exp: now + 2 });
      const listed = await list();
      expect(listed.json.items.map((i: { jti: string }) => i.jti)).toContain('short-lived');
      clock.advance((now + 3) * 1000 - clock.now() + 50);
      const later = await list('', op, { 'if-none-match': listed.headers.get('etag')! });
      expect(later.status).toBe(200);
      expect(later.json.items.map((i: { jti: string }) => i.jti)).not.toContain('short-lived');
    });

    it('pages with ?limit= and next_cursor: the same records as the whole list, in the same order, each once', async () => {
      const tag = `page-${Date.now()}`;
      for (let i = 0; i < 7; i++) await revoke({ jti: `${tag}-${i}` });
      const whole = await list();
      expect(whole.json).not.toHaveProperty('next_cursor'); // the reference's shape without `limit`
      const pages: { jti: string; revoked_at: number; exp: number }[] = [];
      let cursor: string | null = null;
      let etag: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const page = await list(`?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.status).toBe(200);
        expect(page.json.items.length).toBeLessThanOrEqual(3);
        etag ??= page.headers.get('etag');
        pages.push(...page.json.items);
        cursor = page.json.next_cursor;
        if (cursor === null) break;
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      }
      expect(cursor).toBeNull();
      expect(pages).toEqual(whole.json.items);
      expect(pages.filter((i) => i.jti.startsWith(tag))).toHaveLength(7);
      // The first page's ETag answers 304 to the same conditional request while nothing changed.
      expect((await list('?limit=3', op, { 'if-none-match': etag! })).status).toBe(304);
      // since with limit: only records at or after it.
      const last = pages[pages.length - 1]!;
      const fromLast = await list(`?since=${last.revoked_at}&limit=1000`);
      expect(fromLast.json.items.every((i: { revoked_at: number }) => i.revoked_at >= last.revoked_at)).toBe(true);
      expect(fromLast.json.items).toContainEqual(last);
      expect(fromLast.json.next_cursor).toBeNull();
    });

    it('answers 400 for a malformed since, limit or cursor', async () => {
      const foreign = Buffer.from('not a position').toString('base64url');
      for (const q of ['?since=abc', '?since=-1', '?since=1.5', '?since=1&since=2', '?since=', '?limit=0', '?limit=10001', '?limit=x', '?limit=1&limit=2', '?cursor=', `?cursor=${foreign}`, '?cursor=%00', '?limit=5&cursor=abc!']) {
        const res = await list(q);
        expect(res.status, q).toBe(400);
        expect(res.json.error).toBe('invalid_request');
      }
    });
  });
}
