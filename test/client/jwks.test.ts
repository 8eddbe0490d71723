import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestIssuer, createTestKeyPair, mintToken, type TestIssuer } from '../../src/client/testing.js';
import { parseMaxAge, type AuthClientOptions } from '../../src/client/index.js';
import { freePort } from '../helpers/redis-server.js';
import { startProtectedApp, type Harness } from './harness.js';

const SECOND = 1000;

describe('parseMaxAge', () => {
  it('reads max-age and treats no-cache/no-store as 0', () => {
    expect(parseMaxAge('public, max-age=300')).toBe(300);
    expect(parseMaxAge('max-age="12", public')).toBe(12);
    expect(parseMaxAge('no-store')).toBe(0);
    expect(parseMaxAge('public, s-maxage=5')).toBeUndefined();
    expect(parseMaxAge(null)).toBeUndefined();
  });
});

describe('JWKS handling against a local JWKS server', () => {
  let issuer: TestIssuer;
  let app: Harness | undefined;
  let registry: Registry;
  const start = async (extra: Partial<AuthClientOptions> = {}) => {
    app = await startProtectedApp(issuer.clientOptions({ metrics: { registry }, ...extra }));
    return app;
  };
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
  const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const fetches = async (result: string) => (await metric('pico_auth_client_jwks_fetches_total')).find((v) => v.labels.result === result)?.value ?? 0;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    registry = new Registry();
    issuer = await createTestIssuer({ maxAgeSeconds: 60 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await app?.close();
    app = undefined;
    await issuer.close();
  });

  it('a flood of random kids costs at most one fetch per cooldown', async () => {
    const a = await start({ jwks: { cooldownSeconds: 30 } });
    await a.client.warmUp();
    expect(issuer.server.requests.jwks).toBe(1);
    const attacker = await createTestKeyPair('RS256');
    const flood = async (n: number) => {
      const tokens = await Promise.all(Array.from({ length: n }, () => mintToken(attacker, { iss: issuer.issuer, aud: issuer.audience }, { header: { kid: randomUUID() } })));
      const results = await Promise.all(tokens.map((t) => a.get('/api/data', t)));
      for (const r of results) expect(r).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    };
    await flood(100); // within the cooldown of the warm-up fetch: no fetch at all
    expect(issuer.server.requests.jwks).toBe(1);
    advance(31 * SECOND);
    await flood(100); // cooldown over: the concurrent flood shares one single-flight fetch
    expect(issuer.server.requests.jwks).toBe(2);
    for (let i = 0; i < 20; i++) await flood(1); // sequential, inside the new cooldown
    expect(issuer.server.requests.jwks).toBe(2);
    expect(a.client.jwksStatus().fetches).toBe(2);
    // A legitimate token is unaffected by the flood.
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
  });

  it("honours the server's max-age, revalidating with If-None-Match", async () => {
    const a = await start();
    await a.client.warmUp();
    advance(59 * SECOND);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    expect(issuer.server.requests.jwks).toBe(1);
    advance(2 * SECOND); // past max-age=60: verify with the cached keys, refresh in the background
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    await vi.waitFor(() => expect(issuer.server.requests.jwks).toBe(2), { timeout: 5000 });
    await vi.waitFor(async () => expect(await fetches('not_modified')).toBe(1), { timeout: 5000 });
    expect(await fetches('ok')).toBe(1);
    expect(a.client.jwksStatus().fresh).toBe(true);
  });

  it('clamps a tiny max-age to minMaxAgeSeconds', async () => {
    await issuer.close();
    issuer = await createTestIssuer({ maxAgeSeconds: 0 });
    const a = await start({ jwks: { minMaxAgeSeconds: 10 } });
    await a.client.warmUp();
    advance(9 * SECOND);
    for (let i = 0; i < 5; i++) expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    expect(issuer.server.requests.jwks).toBe(1);
  });

  it('JWKS down at start: 503 jwks_unavailable (never 500), then recovers', async () => {
    issuer.server.setMode('error');
    const a = await start({ jwks: { failureBackoffSeconds: 5 } });
    const res = await a.get('/api/data', await issuer.mint());
    expect(res).toMatchObject({ status: 503, body: { error: 'jwks_unavailable', detail: expect.any(String) } });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    await expect(a.client.warmUp()).rejects.toMatchObject({ status: 503, code: 'jwks_unavailable' });
    expect((await a.client.readiness()).ready).toBe(false);
    // Within the failure backoff, more requests make no more fetches.
    for (let i = 0; i < 10; i++) expect((await a.get('/api/data', await issuer.mint())).status).toBe(503);
    expect(issuer.server.requests.jwks).toBe(1);
    issuer.server.setMode('up');
    advance(6 * SECOND);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    expect((await a.client.readiness()).ready).toBe(true);
    expect(await fetches('error')).toBe(1);
  });

  it('JWKS unreachable (connection refused) or hanging at start: 503', async () => {
    const port = await freePort();
    const refused = await startProtectedApp({ issuer: issuer.issuer, audience: issuer.audience, jwksUrl: `http://127.0.0.1:${port}/jwks` });
    expect(await refused.get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'jwks_unavailable' } });
    await refused.close();
    issuer.server.setMode('hang');
    const a = await start({ jwks: { timeoutSeconds: 0.3 } });
    expect(await a.get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'jwks_unavailable' } });
  });

  it('JWKS down during a run: stale keys keep working for staleIfErrorSeconds, then 503', async () => {
    const a = await start({ jwks: { staleIfErrorSeconds: 100, failureBackoffSeconds: 5 } });
    await a.client.warmUp();
    issuer.server.setMode('error');
    advance(70 * SECOND); // stale (max-age 60), within stale-if-error
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    await vi.waitFor(async () => expect(await fetches('error')).toBe(1), { timeout: 5000 });
    advance(SECOND);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    expect(issuer.server.requests.jwks).toBe(2); // backoff: no new attempt
    advance(100 * SECOND); // 171 s: past max-age + stale-if-error
    expect(await a.get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'jwks_unavailable' } });
    issuer.server.setMode('up');
    advance(6 * SECOND);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
  });

  it('picks up a rotated key once the cooldown allows, and drops cached tokens of a removed key', async () => {
    const a = await start({ jwks: { cooldownSeconds: 30 } });
    await a.client.warmUp();
    const oldToken = await issuer.mint();
    expect((await a.get('/api/data', oldToken)).status).toBe(200); // now cached
    const next = await createTestKeyPair('ES256');
    issuer.server.setKeys([next]);
    advance(31 * SECOND);
    const newToken = await mintToken(next, { iss: issuer.issuer, aud: issuer.audience });
    expect((await a.get('/api/data', newToken)).status).toBe(200);
    expect(issuer.server.requests.jwks).toBe(2);
    expect(await a.get('/api/data', oldToken)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('counts key-cache hits and token-cache hits/misses', async () => {
    const a = await start();
    const token = await issuer.mint();
    for (let i = 0; i < 3; i++) expect((await a.get('/api/data', token)).status).toBe(200);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    await a.client.metricsRegistered;
    const value = async (name: string) => (await metric(name))[0]?.value;
    expect(await value('pico_auth_client_token_cache_hits_total')).toBe(2);
    expect(await value('pico_auth_client_token_cache_misses_total')).toBe(2);
    expect(await value('pico_auth_client_jwks_key_cache_hits_total')).toBe(1); // the first miss fetched
    expect((await metric('pico_auth_client_validations_total')).find((v) => v.labels.outcome === 'ok')?.value).toBe(4);
  });
});
