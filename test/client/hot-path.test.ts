import express from 'express';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, getSecurityContext, type AuthClient, type SecurityContext } from '../../src/client/index.js';
import { createMetrics } from '../../src/client/metrics.js';
import { TokenCache } from '../../src/client/token-cache.js';
import { createTestIssuer, type TestIssuer } from '../../src/client/testing.js';

/**
 * The cached path of `authenticate` (a prefix check, a hash and a map lookup, no regex) must decide
 * exactly like the full parse: these call the middleware directly, so header values reach it as
 * written (fetch trims them), each form once before and once after its token is cached.
 */
type Outcome = { status: number; error?: string; auth?: SecurityContext; store?: SecurityContext };

function call(client: AuthClient, authorization: string | undefined): Promise<Outcome> {
  const req = { headers: authorization === undefined ? {} : { authorization } } as unknown as express.Request;
  return new Promise((resolve) => {
    client.authenticate(req, {} as express.Response, (err?: unknown) => {
      if (err === undefined) return resolve({ status: 200, auth: req.auth, store: getSecurityContext() });
      const e = err as { status?: number; code?: string };
      resolve({ status: e.status ?? 500, error: e.code });
    });
  });
}

describe('the cached path decides like the full parse', () => {
  let issuer: TestIssuer;
  let client: AuthClient;
  let registry: Registry;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    registry = new Registry();
    client = createAuthClient(issuer.clientOptions({ metrics: { registry } }));
    await client.warmUp();
  });
  afterAll(async () => {
    client.close();
    await issuer.close();
  });
  const metric = async (name: string, label?: string) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.find((v) => label === undefined || v.labels.outcome === label)?.value ?? 0;
  };

  it('accepts every header form the regex accepts, cached or not, with the same context', async () => {
    for (const form of ['Bearer %', 'bearer %', 'BEARER %', 'Bearer  %', 'Bearer % ', 'Bearer %  ']) {
      const token = await issuer.mint({ sub: `form-${form}` });
      const first = await call(client, form.replace('%', token));
      const second = await call(client, form.replace('%', token));
      expect([first.status, second.status], form).toEqual([200, 200]);
      expect(second.auth, form).toBe(first.auth); // the cached context object
      expect(second.auth?.sub).toBe(`form-${form}`);
      expect(second.store, 'the security context is set for next()').toBe(second.auth);
    }
  });

  it('refuses what the regex refuses even once the token is cached', async () => {
    const token = await issuer.mint();
    expect((await call(client, `Bearer ${token}`)).status).toBe(200); // cached now
    expect(await call(client, undefined)).toMatchObject({ status: 401, error: 'missing_token' });
    expect(await call(client, `Basic ${token}`)).toMatchObject({ status: 401, error: 'missing_token' });
    expect(await call(client, `Bearer${token}`)).toMatchObject({ status: 401, error: 'missing_token' });
    for (const bad of [`Bearer ${token}\t`, `Bearer\t${token}`, `Bearer ${token} x`, `Bearer ${token.slice(0, 20)} ${token.slice(20)}`, 'Bearer ']) {
      expect(await call(client, bad), JSON.stringify(bad)).toMatchObject({ status: 401, error: 'invalid_token' });
    }
    expect(await call(client, `Bearer ${token}`)).toMatchObject({ status: 200 });
  });

  it('never serves from the cache a token with whitespace that verify() accepted', async () => {
    const token = await issuer.mint({ sub: 'spaced' });
    // jose ignores whitespace inside base64url, so this string verifies as the same token...
    const spaced = `${token.slice(0, -10)}\t${token.slice(-10)}`;
    expect((await client.verify(spaced)).sub).toBe('spaced');
    // ...but a header carrying it is still refused, as before the cached path existed.
    expect(await call(client, `Bearer ${spaced}`)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('refuses an over-long bearer before hashing it, cached path or not', async () => {
    const small = createAuthClient(issuer.clientOptions({ maxTokenLength: 100 }));
    expect(await call(small, `Bearer ${'a'.repeat(101)}`)).toMatchObject({ status: 401, error: 'invalid_token' });
    small.close();
  });

  it('counts a cache hit and a validation per request, and one miss per new token', async () => {
    const [hits, misses, ok] = [await metric('pico_auth_client_token_cache_hits_total'), await metric('pico_auth_client_token_cache_misses_total'), await metric('pico_auth_client_validations_total', 'ok')];
    const token = await issuer.mint();
    for (let i = 0; i < 3; i++) expect((await call(client, `Bearer ${token}`)).status).toBe(200);
    expect((await call(client, `bearer ${token}`)).status).toBe(200); // full parse, cache hit
    expect(await metric('pico_auth_client_token_cache_hits_total')).toBe(hits + 3);
    expect(await metric('pico_auth_client_token_cache_misses_total')).toBe(misses + 1);
    expect(await metric('pico_auth_client_validations_total', 'ok')).toBe(ok + 4);
  });
});

describe('expiry and layering on the cached path', () => {
  let issuer: TestIssuer;
  afterEach(async () => {
    vi.useRealTimers();
    await issuer.close();
  });

  it('checks exp on every hit: a cached token is refused once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    issuer = await createTestIssuer();
    const client = createAuthClient(issuer.clientOptions());
    const token = await issuer.mint({}, { expiresInSeconds: 60 });
    expect((await call(client, `Bearer ${token}`)).status).toBe(200);
    expect((await call(client, `Bearer ${token}`)).status).toBe(200); // a hit
    vi.setSystemTime(Date.now() + 61_000);
    // Past exp the cache no longer serves it; the signature check still accepts it within the
    // 30 s clock tolerance, and refuses it after.
    expect((await call(client, `Bearer ${token}`)).status).toBe(200);
    vi.setSystemTime(Date.now() + 30_000);
    expect(await call(client, `Bearer ${token}`)).toMatchObject({ status: 401, error: 'token_expired' });
    client.close();
  });

  it('verifies once across several protected layers, and the context reaches every handler across awaits', async () => {
    issuer = await createTestIssuer();
    const registry = new Registry();
    const client = createAuthClient(issuer.clientOptions({ metrics: { registry } }));
    const app = express();
    const api = client.router();
    api.get('/twice', client.authenticate, async (req, res) => {
      await new Promise((resolve) => setImmediate(resolve));
      res.json({ sub: req.auth?.sub, same: getSecurityContext() === req.auth });
    });
    app.use('/api', api);
    app.use(client.errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/twice`;
    const token = await issuer.mint({ sub: 'layered' });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(await res.json()).toEqual({ sub: 'layered', same: true });
    }
    const ok = (await registry.getSingleMetric('pico_auth_client_validations_total')?.get())?.values.find((v) => v.labels.outcome === 'ok')?.value;
    expect(ok).toBe(3);
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('two clients on one request', () => {
  it('each checks the token itself: a request another client accepted is verified again', async () => {
    const issuer = await createTestIssuer();
    const orders = createAuthClient(issuer.clientOptions());
    const admin = createAuthClient(issuer.clientOptions({ audience: 'admin-api' }));
    try {
      const token = await issuer.mint({ sub: 'alice' });
      const req = { headers: { authorization: `Bearer ${token}` } } as unknown as express.Request;
      const through = (client: AuthClient) =>
        new Promise<unknown>((resolve) => client.authenticate(req, {} as express.Response, (err?: unknown) => resolve(err)));
      expect(await through(orders)).toBeUndefined();
      expect(req.auth?.sub).toBe('alice');
      // The token is for the issuer's audience, not admin-api: the second client must refuse it.
      expect(await through(admin)).toMatchObject({ status: 401 });
      // The same client on a later layer of the same request does not verify again.
      expect(await through(orders)).toBeUndefined();
    } finally {
      orders.close();
      admin.close();
      await issuer.close();
    }
  });
});

describe('TokenCache', () => {
  afterEach(() => vi.useRealTimers());

  it('serves an entry until its exp and never after, and ignores already expired tokens', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new TokenCache(10);
    const now = Math.floor(Date.now() / 1000);
    const ctx = (exp: number, jti: string) => ({ sub: 's', role: 'r', groups: [], scopes: [], jti, exp, claims: {} });
    cache.set('k1', ctx(now + 10, 'a'), 'kid');
    cache.set('k0', ctx(now, 'b'), 'kid');
    expect(cache.get('k1')?.jti).toBe('a');
    expect(cache.get('k0')).toBeUndefined();
    vi.setSystemTime((now + 10) * 1000);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keys are the SHA-256 of the token: distinct tokens, distinct keys; the token is not in the key', () => {
    const a = TokenCache.key('header.payload.signature');
    expect(a).toHaveLength(32);
    expect(TokenCache.key('header.payload.signature')).toBe(a);
    expect(TokenCache.key('header.payload.signaturf')).not.toBe(a);
    expect(a).not.toContain('header');
  });

  it('drops entries by jti and by signing key', () => {
    const cache = new TokenCache(10);
    const exp = Math.floor(Date.now() / 1000) + 60;
    cache.set('k1', { sub: 's', role: 'r', groups: [], scopes: [], jti: 'a', exp, claims: {} }, 'kid1');
    cache.set('k2', { sub: 's', role: 'r', groups: [], scopes: [], jti: 'b', exp, claims: {} }, 'kid2');
    cache.dropRevoked((jti) => jti === 'a');
    expect(cache.get('k1')).toBeUndefined();
    cache.keepKids(new Set(['kid1']));
    expect(cache.get('k2')).toBeUndefined();
  });
});

describe('metrics counting', () => {
  it('counts per-request events recorded before registration, exactly, at every read', async () => {
    const registry = new Registry();
    const { sink, registered } = createMetrics(registry, () => undefined);
    for (let i = 0; i < 12_000; i++) {
      sink.tokenCache(true);
      sink.validation('ok');
    }
    sink.tokenCache(false);
    sink.validation('token_expired');
    await registered;
    const read = async () => Object.fromEntries((await registry.getMetricsAsJSON()).flatMap((m) => m.values.map((v) => [`${m.name}${JSON.stringify(v.labels)}`, v.value])));
    expect(await read()).toMatchObject({
      'pico_auth_client_token_cache_hits_total{}': 12_000,
      'pico_auth_client_token_cache_misses_total{}': 1,
      'pico_auth_client_validations_total{"outcome":"ok"}': 12_000,
      'pico_auth_client_validations_total{"outcome":"token_expired"}': 1,
    });
    sink.validation('ok');
    expect((await registry.metrics())).toMatch(/^pico_auth_client_validations_total\{outcome="ok"\} 12001$/m);
    sink.tokenCache(true);
    registry.resetMetrics(); // forgets pending counts too
    expect(await read()).toMatchObject({ 'pico_auth_client_token_cache_hits_total{}': 0 });
  });
});
