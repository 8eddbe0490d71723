import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, adminSettings, bearer, FLEET_SECRET, getJson, operatorToken, serviceToken } from './session-helpers.js';

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`GET /mints (${store} store)`, () => {
    let svc: RunningService;
    let op: string;
    beforeAll(async () => {
      svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, fleetRoles: ['agent', 'service'] }, store);
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
      expect(second).toMatchObject({ kind: 'refresh', id: wallet.refresh_token.split('.')[0], sub: wallet.address, role: 'wallet' });
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
      for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1', '?limit=2.5', '?limit=1&limit=2']) {
        const res = await mints(q);
        expect(res.status, q).toBe(400);
        expect(res.json.error).toBe('invalid_request');
      }
    });
  });
}
