import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/lib/password.js';
import { ed25519Wallet, postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { delta, scrape, value, type Sample } from './exposition.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const ADMIN = { email: 'ops@example.test', password: 'correct horse battery staple' };
/** The cheapest parameters the service accepts: these tests count logins, they do not time them. */
const CHEAP_SCRYPT = { ln: 10, r: 8, p: 1 };

/** Real flows over HTTP against a running service; every assertion reads GET /metrics. */
describe('metrics follow real flows', () => {
  let svc: RunningService;
  // The service's time: "past the grace window" is a move of this clock, not a sleep.
  const clock = new FakeClock();
  const metrics = () => scrape(`${svc.url}/metrics`);
  beforeAll(async () => {
    svc = await startService(
      {
        adminEmail: ADMIN.email,
        adminPasswordHash: await hashPassword(ADMIN.password, CHEAP_SCRYPT),
        rateLimitChallengePerAddress: 2,
        refreshGraceSeconds: 1,
      },
      'memory',
      { clock },
    );
  });
  afterAll(() => svc.close());

  it('counts challenges, sign-ins by algorithm and outcome, and issued tokens', async () => {
    const before = await metrics();

    await signIn(svc.api); // success

    const wallet = ed25519Wallet();
    const other = ed25519Wallet();
    const ch1 = (await postJson(`${svc.api}/challenge`, { address: wallet.address })).json.challenge as string;
    const badSig = await postJson(`${svc.api}/sign-in`, { ...wallet.body(ch1), signature: other.sign(ch1) });
    expect(badSig.status).toBe(401);
    const spent = await postJson(`${svc.api}/sign-in`, wallet.body(ch1)); // the challenge was spent above
    expect(spent.json.error).toBe('invalid_challenge');
    const ch2 = (await postJson(`${svc.api}/challenge`, { address: wallet.address })).json.challenge as string;
    const mismatch = await postJson(`${svc.api}/sign-in`, other.body(ch2)); // ch2 was issued for `wallet`
    expect(mismatch.json.error).toBe('address_mismatch');
    const unknown = await postJson(`${svc.api}/sign-in`, { ...other.body(ch2), algorithm: 'RSA-9000' });
    expect(unknown.status).toBe(400);

    const after = await metrics();
    const signIns = (outcome: string, algorithm = 'Ed25519') => delta(before, after, 'pico_auth_sign_ins_total', { algorithm, outcome });
    expect(signIns('success')).toBe(1);
    expect(signIns('bad_signature')).toBe(1);
    expect(signIns('bad_challenge')).toBe(1);
    expect(signIns('address_mismatch')).toBe(1);
    expect(signIns('invalid_request', 'unknown')).toBe(1);
    expect(after.some((s) => s.labels.algorithm === 'RSA-9000')).toBe(false);
    expect(delta(before, after, 'pico_auth_challenges_issued_total')).toBe(3);
    expect(delta(before, after, 'pico_auth_tokens_issued_total', { kind: 'access' })).toBe(1);
    expect(delta(before, after, 'pico_auth_tokens_issued_total', { kind: 'refresh' })).toBe(1);
    // Every known algorithm x outcome exists from the start, so rate() works before the first event.
    expect(value(before, 'pico_auth_sign_ins_total', { algorithm: 'ML-DSA-65', outcome: 'success' })).toBe(0);
  });

  it('counts refresh outcomes: rotated, replayed (a retry within the grace window), reused, invalid', async () => {
    const first = await signIn(svc.api);
    const before = await metrics();
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token })).status).toBe(200);
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token })).status).toBe(200);
    clock.advance(1100); // past the one-second grace window
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token })).json.error).toBe('refresh_token_reused');
    expect((await postJson(`${svc.api}/refresh`, { refresh_token: 'not-a-refresh-token' })).status).toBe(401);
    const after = await metrics();
    expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'replayed' })).toBe(1);
    expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'reused' })).toBe(1);
    expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'invalid' })).toBe(1);
    expect(delta(before, after, 'pico_auth_tokens_issued_total', { kind: 'access' })).toBe(2);
    // A replay hands out the refresh token the first attempt issued: one refresh token, not two.
    expect(delta(before, after, 'pico_auth_tokens_issued_total', { kind: 'refresh' })).toBe(1);
  });

  it('counts a refresh token presented after its lifetime as expired (401 invalid_refresh_token)', async () => {
    const timedClock = new FakeClock();
    const timed = await startService({ refreshTokenExpireDays: 1 }, 'memory', { clock: timedClock });
    try {
      const first = await signIn(timed.api);
      const before = await scrape(`${timed.url}/metrics`);
      timedClock.advance(86_400_000 + 1000);
      const late = await postJson(`${timed.api}/refresh`, { refresh_token: first.refresh_token });
      expect(late.status).toBe(401);
      expect(late.json.error).toBe('invalid_refresh_token');
      const after = await scrape(`${timed.url}/metrics`);
      expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'expired' })).toBe(1);
      expect(delta(before, after, 'pico_auth_refreshes_total', { outcome: 'invalid' })).toBe(0);
    } finally {
      await timed.close();
    }
  });

  it('counts logins by outcome and revocations', async () => {
    const before = await metrics();
    const wrong = await postJson(`${svc.api}/login`, { email: ADMIN.email, password: 'wrong password' });
    expect(wrong.status).toBe(401);
    const ok = await postJson(`${svc.api}/login`, ADMIN);
    expect(ok.status).toBe(200);
    const revoke = await postJson(`${svc.api}/revoke`, { jti: 'metrics-test-jti', reason: 'test' }, { authorization: `Bearer ${ok.json.access_token}` });
    expect(revoke.status).toBe(200);
    const after = await metrics();
    expect(delta(before, after, 'pico_auth_logins_total', { outcome: 'bad_credentials' })).toBe(1);
    expect(delta(before, after, 'pico_auth_logins_total', { outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'pico_auth_revocations_total')).toBe(1);
    expect(after.some((s) => Object.values(s.labels).includes('metrics-test-jti'))).toBe(false);
  });

  it('counts rate-limit rejections by limiter', async () => {
    const wallet = ed25519Wallet();
    const before = await metrics();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postJson(`${svc.api}/challenge`, { address: wallet.address })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const after = await metrics();
    expect(delta(before, after, 'pico_auth_rate_limited_total', { limiter: 'challenge_address' })).toBe(1);
  });

  it('times requests by method, route template and status class, never by raw path', async () => {
    const before = await metrics();
    const wallet = ed25519Wallet();
    await postJson(`${svc.api}/challenge`, { address: wallet.address });
    await postJson(`${svc.api}/challenge`, '{"address": '); // malformed JSON: 400 from inside the route
    await fetch(`${svc.url}/api/v1/auth/wallets/${wallet.address}`); // no such route
    await fetch(`${svc.api}/challenge`, { method: 'PROPFIND' });
    const jwks = await fetch(`${svc.api}/jwks`);
    await fetch(`${svc.api}/jwks`, { headers: { 'if-none-match': jwks.headers.get('etag')! } });
    await fetch(`${svc.api}/jwks`, { method: 'HEAD' });
    const after = await metrics();

    const count = (method: string, route: string, status_class: string) =>
      delta(before, after, 'pico_auth_http_request_duration_seconds_count', { method, route, status_class });
    expect(count('POST', '/api/v1/auth/challenge', '2xx')).toBe(1);
    // Express resets baseUrl when an error leaves the router; the template keeps the base path.
    expect(count('POST', '/api/v1/auth/challenge', '4xx')).toBe(1);
    expect(count('GET', 'unmatched', '4xx')).toBe(1);
    expect(count('other', 'unmatched', '4xx')).toBe(1);
    // The lean JWKS path (outside Express) lands in the same histogram.
    expect(count('GET', '/api/v1/auth/jwks', '2xx')).toBe(1);
    expect(count('GET', '/api/v1/auth/jwks', '3xx')).toBe(1);
    expect(count('HEAD', '/api/v1/auth/jwks', '2xx')).toBe(1);
    const bucketInf = value(after, 'pico_auth_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/v1/auth/challenge', status_class: '2xx', le: '+Inf' });
    expect(bucketInf).toBe(value(after, 'pico_auth_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/challenge', status_class: '2xx' }));

    const routes = new Set(after.filter((s) => s.name.startsWith('pico_auth_http_')).map((s) => s.labels.route));
    for (const route of routes) expect(route === 'unmatched' || /^\/[a-z0-9/._-]*$/.test(route!)).toBe(true);
    expect(allLabelValues(after).some((v) => v.includes(wallet.address))).toBe(false);
  });

  it('reports the store and the keyring', async () => {
    const now = await metrics();
    expect(value(now, 'pico_auth_store_up', { backend: 'memory' })).toBe(1);
    expect(value(now, 'pico_auth_keyring_keys', { state: 'active' })).toBe(1);
    const readyz = (await (await fetch(`${svc.url}/readyz`)).json()) as { keys: { fingerprint: string } };
    expect(value(now, 'pico_auth_jwks_fingerprint_info', { fingerprint: readyz.keys.fingerprint })).toBe(1);
    expect(value(now, 'pico_auth_keyring_reloads_total')).toBe(1);
    expect(value(now, 'pico_auth_keyring_reload_failures_total')).toBe(0);
    // Default process metrics carry the prefix too.
    expect(value(now, 'pico_auth_process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

function allLabelValues(samples: Sample[]): string[] {
  return samples.flatMap((s) => Object.values(s.labels));
}
