import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, adminSettings, bearer, FLEET_SECRET, getJson, operatorToken, serviceToken } from './session-helpers.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`GET /mints (${store} store)`, () => {
    let svc: RunningService;
    let op: string;
    beforeAll(async () => {
      // No grace window: the reuse test below presents a spent token right away.
      svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, fleetRoles: ['agent', 'service'], refreshGraceSeconds: 0, rateLimitChallengePerIp: 0, rateLimitSignInPerIp: 0 }, store);
      op = await operatorToken(svc.api);
    });
    afterAll(() => svc.close());

    const mints = (query = '', token = op) => getJson(`${svc.api}/mints${query}`, token);

    it('is for operators only', async () => {
      expect((await getJson(`${svc.api}/mints`)).status).toBe(401);
      expect((await mints('', (await signIn(svc.api)).access_token)).status).toBe(403);
      expect((await mints('', (await serviceToken(svc.api, 'service')).access_token)).status).toBe(403);
    });

    it('drops a refresh family that reuse detection revoked', async () => {
      const wallet = await signIn(svc.api);
      const family = wallet.refresh_token.split('.')[0];
      const listed = async () => (await mints('?limit=100')).json.items.map((m: { id: string }) => m.id);
      expect(await listed()).toContain(family);
      await postJson(`${svc.api}/refresh`, { refresh_token: wallet.refresh_token });
      const reuse = await postJson(`${svc.api}/refresh`, { refresh_token: wallet.refresh_token });
      expect(reuse.json.error).toBe('refresh_token_reused');
      expect(await listed()).not.toContain(family);
    });

    it('lists sign-ins, logins and service tokens, newest first', async () => {
      const wallet = await signIn(svc.api);
      const agent = await serviceToken(svc.api, 'agent', { agent_id: 'newest-agent' });
      const res = await mints('?limit=3');
      expect(res.status).toBe(200);
      expect(res.json.items).toHaveLength(3);
      const [first, second, third] = res.json.items;
      expect(first).toMatchObject({ kind: 'service', id: agent.jti, sub: 'service:newest-agent', role: 'agent' });
      expect(second).toMatchObject({ kind: 'wallet', id: wallet.refresh_token.split('.')[0], sub: wallet.address, role: 'wallet' });
      expect(second.expires_at - second.issued_at).toBe(7 * 86_400);
      expect(third.kind).toBe('service');
      const all = (await mints('?limit=100')).json.items;
      expect(all.map((m: { sub: string }) => m.sub)).toContain(ADMIN_EMAIL);
      const issued = all.map((m: { issued_at: number }) => m.issued_at);
      expect([...issued].sort((a, b) => b - a)).toEqual(issued);
    });

    it('drops a refresh family revoked through /revoke', async () => {
      const wallet = await signIn(svc.api);
      const family = wallet.refresh_token.split('.')[0];
      expect((await mints()).json.items.map((m: { id: string }) => m.id)).toContain(family);
      expect((await postJson(`${svc.api}/revoke`, { family }, bearer(op))).status).toBe(200);
      expect((await mints('?limit=100')).json.items.map((m: { id: string }) => m.id)).not.toContain(family);
    });

    it('caps limit: default 20, at most 100, 400 outside 1-100', async () => {
      for (let i = 0; i < 21; i++) await signIn(svc.api);
      expect((await mints()).json.items).toHaveLength(20);
      expect((await mints('?limit=100')).json.items.length).toBeGreaterThan(20);
      for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1', '?limit=2.5', '?limit=1&limit=2', '?kind=refresh', '?kind=', '?cursor=abc', '?cursor=0', '?cursor=1&cursor=2', '?kinds=service']) {
        const res = await mints(q);
        expect(res.status, q).toBe(400);
        expect(res.json.error).toBe('invalid_request');
      }
    });

    it('filters by kind and pages by cursor: 101 anonymous sign-ins cannot hide a fresh service token', async () => {
      const agent = await serviceToken(svc.api, 'agent', { agent_id: 'hidden-agent' });
      const wallets = [];
      for (let i = 0; i < 101; i++) wallets.push(await signIn(svc.api));
      // Unfiltered, the newest page is all wallets...
      const newest = await mints('?limit=100');
      expect(newest.json.items.every((m: { kind: string }) => m.kind === 'wallet')).toBe(true);
      expect(newest.json.next_cursor).toEqual(expect.any(String));
      // ...but the filter finds the service token at once,
      const services = await mints('?kind=service&limit=100');
      expect(services.status).toBe(200);
      expect(services.json.items[0]).toMatchObject({ kind: 'service', id: agent.jti, sub: 'service:hidden-agent' });
      expect(services.json.items.every((m: { kind: string }) => m.kind === 'service')).toBe(true);
      expect((await mints('?kind=admin')).json.items.every((m: { kind: string; role: string }) => m.kind === 'admin' && m.role === 'operator')).toBe(true);
      // and following next_cursor reaches it too, every record exactly once, newest first.
      const seen: { id: string }[] = [];
      let page = newest;
      for (;;) {
        seen.push(...page.json.items);
        if (page.json.next_cursor === null) break;
        page = await mints(`?limit=100&cursor=${page.json.next_cursor}`);
        expect(page.status).toBe(200);
      }
      const ids = seen.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, 101)).toEqual(wallets.reverse().map((w) => w.refresh_token.split('.')[0]));
      expect(ids).toContain(agent.jti);
      expect((await mints('?kind=service&limit=100')).json.next_cursor).toBeNull();
      expect(newest.headers.get('cache-control')).toBe('no-store');
    });
  });
}
