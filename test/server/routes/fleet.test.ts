import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { postJson, startService, type RunningService } from '../../helpers/service.js';
import { adminSettings, bearer, claimsOf, FLEET_SECRET, getJson, operatorToken } from './session-helpers.js';

const body = { session_id: 'sess-42', agent_id: 'agent-7', role: 'agent', ttl: 600, scopes: ['jobs:read', 'jobs:*'] };
/** `secret: null` sends no X-Fleet-Secret header at all. */
const post = (svc: RunningService, b: unknown, secret: string | null = FLEET_SECRET) =>
  postJson(`${svc.api}/fleet/sessions`, b, secret === null ? {} : { 'x-fleet-secret': secret });

describe('POST /fleet/sessions without AUTH_FLEET_SECRET', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(() => svc.close());

  it('does not exist (404), whatever the header says', async () => {
    for (const secret of [null, FLEET_SECRET, '']) {
      const res = await post(svc, body, secret);
      expect(res.status).toBe(404);
      expect(res.json.error).toBe('not_found');
    }
  });
});

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`POST /fleet/sessions (${store} store)`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, fleetMaxTtlSeconds: 3600 }, store);
    });
    afterAll(() => svc.close());

    it('mints a service token: sub = service:<agent_id>, kind service, role, scopes as an array, session_id; verifiable via the JWKS', async () => {
      const res = await post(svc, body);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 600, session_id: 'sess-42', agent_id: 'agent-7', sub: 'service:agent-7', role: 'agent', scopes: ['jobs:read', 'jobs:*'] });
      const jwks = createRemoteJWKSet(new URL(`${svc.api}/jwks`));
      const { payload } = await jwtVerify(res.json.access_token, jwks, { issuer: 'https://auth.test', audience: 'test-platform' });
      expect(payload).toMatchObject({ sub: 'service:agent-7', kind: 'service', role: 'agent', scopes: ['jobs:read', 'jobs:*'], session_id: 'sess-42', jti: res.json.jti });
      expect(payload.exp! - payload.iat!).toBe(600);
    });

    it('caps the lifetime at AUTH_FLEET_MAX_TTL_SECONDS (not 100 years)', async () => {
      const res = await post(svc, { ...body, ttl: 100 * 365 * 86_400 });
      expect(res.status).toBe(200);
      expect(res.json.expires_in).toBe(3600);
      const claims = claimsOf(res.json.access_token) as { exp: number; iat: number };
      expect(claims.exp - claims.iat).toBe(3600);
    });

    it('refuses roles outside AUTH_FLEET_ROLES (default: agent only), so the secret cannot mint operators', async () => {
      for (const role of ['operator', 'service', 'wallet']) {
        const res = await post(svc, { ...body, role });
        expect(res.status).toBe(403);
        expect(res.json.error).toBe('role_not_allowed');
      }
    });

    it('needs the exact secret (401), compared as a whole', async () => {
      for (const secret of [null, '', 'wrong', FLEET_SECRET.slice(0, -1), `${FLEET_SECRET}x`, FLEET_SECRET.toUpperCase()]) {
        const res = await post(svc, body, secret);
        expect(res.status, String(secret)).toBe(401);
        expect(res.json.error).toBe('invalid_fleet_secret');
      }
    });

    it('answers 400 for malformed bodies', async () => {
      for (const b of [{}, { ...body, agent_id: '' }, { ...body, scopes: 'a b' }, { ...body, scopes: [1] }, { ...body, ttl: -5 }, { ...body, ttl: 1.5 }, { ...body, session_id: 'has space' }]) {
        const res = await post(svc, b);
        expect(res.status, JSON.stringify(b)).toBe(400);
      }
    });

    it('is recorded in the mint audit and can be revoked by its jti', async () => {
      const res = await post(svc, { ...body, agent_id: 'audited-agent' });
      const op = await operatorToken(svc.api);
      const mints = await getJson(`${svc.api}/mints`, op);
      expect(mints.json.items).toContainEqual({ kind: 'service', id: res.json.jti, sub: 'service:audited-agent', role: 'agent', scopes: body.scopes, issued_at: expect.any(Number), expires_at: res.json.expires_at });
      expect((await postJson(`${svc.api}/revoke`, { jti: res.json.jti }, bearer(op))).status).toBe(200);
      const revoked = await getJson(`${svc.api}/revoked-jtis`, op);
      const entry = revoked.json.items.find((i: { jti: string }) => i.jti === res.json.jti);
      // The service-token cap is the longest life any of our tokens can still have.
      expect(entry.exp - entry.revoked_at).toBe(3600);
      const after = await getJson(`${svc.api}/mints`, op);
      expect(after.json.items.map((m: { id: string }) => m.id)).not.toContain(res.json.jti);
    });
  });
}
