import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Wallet, postJson, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminSettings, FLEET_SECRET } from './session-helpers.js';

/** RFC 6749 §5.1: every answer of an endpoint that issues tokens carries Cache-Control: no-store, errors included. */
describe('Cache-Control: no-store on token answers', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET, rateLimitRefreshPerIp: 3 });
  });
  afterAll(() => svc.close());

  const expectNoStore = (res: { status: number; headers: Headers }, status: number, what: string) => {
    expect(res.status, what).toBe(status);
    expect(res.headers.get('cache-control'), what).toBe('no-store');
    expect(res.headers.get('pragma'), what).toBe('no-cache');
  };

  it('/sign-in, /login, /refresh and /fleet/sessions: success, refusal, bad request, rate limit', async () => {
    const wallet = ed25519Wallet();
    const ch = await postJson(`${svc.api}/challenge`, { address: wallet.address });
    const signedIn = await postJson(`${svc.api}/sign-in`, wallet.body(ch.json.challenge));
    expectNoStore(signedIn, 200, 'sign-in');
    expectNoStore(await postJson(`${svc.api}/sign-in`, wallet.body(ch.json.challenge)), 401, 'sign-in replay');
    expectNoStore(await postJson(`${svc.api}/sign-in`, '{"algorithm":'), 400, 'sign-in bad json');
    expectNoStore(await postJson(`${svc.api}/login`, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }), 200, 'login');
    expectNoStore(await postJson(`${svc.api}/login`, { email: ADMIN_EMAIL, password: 'wrong' }), 401, 'login wrong password');
    expectNoStore(await postJson(`${svc.api}/refresh`, { refresh_token: signedIn.json.refresh_token }), 200, 'refresh');
    expectNoStore(await postJson(`${svc.api}/refresh`, { refresh_token: 'x' }), 401, 'refresh invalid');
    expectNoStore(await postJson(`${svc.api}/refresh`, {}), 400, 'refresh bad body');
    expectNoStore(await postJson(`${svc.api}/refresh`, { refresh_token: 'x' }), 429, 'refresh rate limited');
    expectNoStore(await postJson(`${svc.api}/fleet/sessions`, { session_id: 's', agent_id: 'a', role: 'agent' }, { 'x-fleet-secret': FLEET_SECRET }), 200, 'fleet');
  });

  it('leaves the cacheable endpoints alone', async () => {
    expect((await fetch(`${svc.api}/jwks`)).headers.get('cache-control')).toMatch(/^public, max-age=/);
  });
});
