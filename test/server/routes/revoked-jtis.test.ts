import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUuid, PACKED_REVOCATIONS_TYPE } from '../../../src/client/packed-revocations.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { adminSettings, bearer, FLEET_SECRET, getJson, operatorToken, serviceToken } from './session-helpers.js';

type Item = { jti: string; revoked_at: number; exp: number };

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

    it('answers a paged request in the packed form when Accept asks for it: the same records, cursors and ETag', async () => {
      const tag = `packed-${Date.now()}`;
      const uuids = Array.from({ length: 5 }, () => randomUUID());
      for (const jti of [...uuids, `${tag}-a`, randomUUID().toUpperCase()]) await revoke({ jti });
      const accept = { accept: `${PACKED_REVOCATIONS_TYPE}, application/json;q=0.9` };
      const plain: Item[] = [];
      const packed: Item[] = [];
      let cursor: string | null = null;
      const remaining: { said: number; from: number }[] = []; // each page's hint, and how many records had been read before it
      for (let guard = 0; ; guard++) {
        expect(guard).toBeLessThan(100);
        const q: string = `?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
        const a = await list(q);
        const b = await list(q, op, accept);
        expect(a.headers.get('content-type')).toMatch(/^application\/json/);
        expect(b.headers.get('content-type')).toBe(`${PACKED_REVOCATIONS_TYPE}; charset=utf-8`);
        // The layout the library reads without a copy (parseRevocationsBody), and a length that is the body's.
        expect(b.text.startsWith('{"packed":"')).toBe(true);
        expect(Number(b.headers.get('content-length'))).toBe(Buffer.byteLength(b.text));
        expect(b.headers.get('vary')).toMatch(/accept/i);
        expect(b.headers.get('etag')).toBe(a.headers.get('etag'));
        expect(Object.keys(b.json).sort()).toEqual(['items', 'next_cursor', 'packed', 'remaining']);
        expect(b.json.next_cursor).toBe(a.json.next_cursor);
        expect(b.json.remaining).toBe(a.json.remaining);
        remaining.push({ said: a.json.remaining, from: plain.length });
        const bytes = Buffer.from(b.json.packed, 'base64');
        expect(bytes.length % 24).toBe(0);
        for (let o = 0; o < bytes.length; o += 24) packed.push({ jti: bytesToUuid(bytes, o), revoked_at: bytes.readUInt32BE(o + 16), exp: bytes.readUInt32BE(o + 20) });
        packed.push(...b.json.items);
        plain.push(...a.json.items);
        cursor = a.json.next_cursor;
        if (cursor === null) break;
      }
      const byJti = (x: Item, y: Item) => (x.jti < y.jti ? -1 : 1);
      expect(packed.sort(byJti)).toEqual([...plain].sort(byJti));
      // Each page's `remaining` covers at least what was read from it on (it may count records expiring unread).
      for (const { said, from } of remaining) expect(said).toBeGreaterThanOrEqual(plain.length - from);
      expect(remaining[0]!.said).toBeGreaterThanOrEqual(7);
      // The lowercase UUIDs travelled packed; the others plain.
      expect(uuids.every((u) => packed.some((p) => p.jti === u))).toBe(true);
      // 304 for the packed form too, on the same ETag.
      const first = await list('?limit=3', op, accept);
      expect((await list('?limit=3', op, { ...accept, 'if-none-match': first.headers.get('etag')! })).status).toBe(304);
      // An old client (no Accept, or */*) and the whole-list stream get today's JSON.
      for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json' }] as Record<string, string>[]) {
        const res = await list('?limit=3', op, headers);
        expect(Object.keys(res.json).sort(), JSON.stringify(headers)).toEqual(['items', 'next_cursor', 'remaining']);
      }
      expect(Object.keys((await list('', op, accept)).json)).toEqual(['items']);
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
