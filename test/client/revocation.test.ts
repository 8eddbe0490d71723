import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { packRevocations, PACKED_REVOCATIONS_TYPE } from '../../src/client/packed-revocations.js';
import { createTestIssuer, type TestIssuer } from '../../src/client/testing.js';
import type { AuthClientOptions } from '../../src/client/index.js';
import { startProtectedApp, type Harness } from './harness.js';

const BEARER = 'service-token-for-tests';
const TTL = 0.2; // poll interval, seconds

describe('revocation polling', () => {
  let issuer: TestIssuer;
  let app: Harness | undefined;
  const start = async (revocation: Partial<NonNullable<AuthClientOptions['revocation']>> = {}, extra: Partial<AuthClientOptions> = {}) => {
    app = await startProtectedApp(issuer.clientOptions({ revocation: { endpoint: issuer.server.revocationUrl, bearer: BEARER, ttlSeconds: TTL, ...revocation }, ...extra }));
    return app;
  };
  beforeEach(async () => {
    issuer = await createTestIssuer({ revocationBearer: BEARER });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await app?.close();
    app = undefined;
    await issuer.close();
  });

  it('refuses a revoked token within a poll interval, even when it was cached', async () => {
    const a = await start({ ttlSeconds: 1 });
    await a.client.warmUp();
    const token = await issuer.mint({ jti: 'to-revoke' });
    const other = await issuer.mint({ jti: 'keep' });
    expect((await a.get('/api/data', token)).status).toBe(200);
    expect((await a.get('/api/data', other)).status).toBe(200);
    const exp = Math.floor(Date.now() / 1000) + 300;
    const pollsBefore = issuer.server.requests.revocation;
    issuer.server.revoke('to-revoke', exp);
    await vi.waitFor(async () => expect(await a.get('/api/data', token)).toMatchObject({ status: 401, body: { error: 'token_revoked' } }), { timeout: 10_000, interval: 10 });
    // "Within a poll interval", counted in polls rather than wall time (the CI machine is shared):
    // at most the poll already in flight when the revocation happened, plus the next one.
    expect(issuer.server.requests.revocation - pollsBefore).toBeLessThanOrEqual(2);
    expect((await a.get('/api/data', other)).status).toBe(200);
    // Later polls are incremental and conditional; the revocation stays in force.
    const polls = issuer.server.requests.revocation;
    await vi.waitFor(() => expect(issuer.server.requests.revocation).toBeGreaterThan(polls + 1), { timeout: 5000 });
    expect((await a.get('/api/data', token)).status).toBe(401);
  });

  it('requires jti when revocation is on', async () => {
    const a = await start();
    await a.client.warmUp();
    expect(await a.get('/api/data', await issuer.mint({ jti: undefined }))).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('fails closed (503 revocation_unavailable) while the list was never loaded, unless failOpen', async () => {
    const a = await start({ bearer: 'wrong-bearer' });
    await expect(a.client.warmUp()).rejects.toThrow();
    expect(await a.get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'revocation_unavailable' } });
    expect((await a.client.readiness())).toMatchObject({ ready: false, checks: { jwks: 'loaded', revocation: 'never' } });
    // Garbage is still a 401, not a 503: the token is judged first.
    expect((await a.get('/api/data', 'garbage')).status).toBe(401);
    await a.close();
    const open = await start({ bearer: 'wrong-bearer', failOpen: true });
    expect((await open.get('/api/data', await issuer.mint())).status).toBe(200);
  });

  it('checks the list on every cache hit: a cached token gets 503 once the list is stale', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = await start({ ttlSeconds: 30, maxStaleSeconds: 90 });
    await a.client.warmUp();
    const token = await issuer.mint();
    expect((await a.get('/api/data', token)).status).toBe(200);
    expect((await a.get('/api/data', token)).status).toBe(200); // served from the cache
    vi.setSystemTime(Date.now() + 91_000);
    expect(await a.get('/api/data', token)).toMatchObject({ status: 503, body: { error: 'revocation_unavailable' } });
    await a.client.warmUp(); // a successful poll
    expect((await a.get('/api/data', token)).status).toBe(200);
  });

  it('fails closed once the list is older than maxStaleSeconds, and recovers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const registry = new Registry();
    const a = await start({ ttlSeconds: 30, maxStaleSeconds: 90 }, { metrics: { registry } });
    await a.client.warmUp();
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    vi.setSystemTime(Date.now() + 60_000);
    const age = await registry.getSingleMetric('pico_auth_client_revocation_list_age_seconds')?.get();
    expect(age?.values[0]?.value).toBeGreaterThanOrEqual(60);
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    vi.setSystemTime(Date.now() + 31_000);
    expect(await a.get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'revocation_unavailable' } });
    await a.client.warmUp(); // a successful poll
    expect((await a.get('/api/data', await issuer.mint())).status).toBe(200);
    const polls = await registry.getSingleMetric('pico_auth_client_revocation_polls_total')?.get();
    expect(polls?.values.reduce((n, v) => n + v.value, 0)).toBe(2);
  });

  for (const packed of [true, false]) {
    it(`reads UUID jtis packed (24 bytes each) and any other jti plain, when the server has the packed form: ${packed}`, async () => {
      await issuer.close();
      issuer = await createTestIssuer({ revocationBearer: BEARER, revocationPageSize: 3, revocationPacked: packed });
      const exp = Math.floor(Date.now() / 1000) + 300;
      const jtis = [...Array.from({ length: 6 }, () => randomUUID()), 'not-a-uuid', randomUUID().toUpperCase()];
      for (const jti of jtis) issuer.server.revoke(jti, exp);
      const a = await start({ ttlSeconds: 0.2 });
      await a.client.warmUp();
      // 8 records, 3 a page: 3 requests, every one answered packed when the server can.
      expect(issuer.server.requests.revocation).toBe(3);
      expect(issuer.server.requests.revocationPacked).toBe(packed ? 3 : 0);
      for (const jti of jtis) expect((await a.get('/api/data', await issuer.mint({ jti }))).status, jti).toBe(401);
      // Case matters: the uppercase form of a revoked lowercase UUID is another jti.
      expect((await a.get('/api/data', await issuer.mint({ jti: jtis[0]!.toUpperCase() }))).status).toBe(200);
      const keep = randomUUID();
      expect((await a.get('/api/data', await issuer.mint({ jti: keep }))).status).toBe(200);
      // An increment (since=, packed too) reaches the list.
      issuer.server.revoke(keep, exp);
      await vi.waitFor(async () => expect((await a.get('/api/data', await issuer.mint({ jti: keep }))).status).toBe(401), { timeout: 10_000, interval: 20 });
      if (packed) expect(issuer.server.requests.revocationPacked).toBeGreaterThan(3);
    });
  }

  // `remaining` only sizes the set: a wrong, absurd or missing hint loads the same list.
  it('loads the same list whatever `remaining` the service says', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    const entries = Array.from({ length: 5 }, (_, i) => ({ jti: randomUUID(), revokedAt: 1_796_000_000 + i, exp }));
    // The second page is the larger one: the buffer the records are decoded into grows between pages.
    const pages = [entries.slice(0, 2), entries.slice(2)];
    let hint: unknown;
    const server = createServer((req, res) => {
      const second = new URL(req.url!, 'http://x').searchParams.get('cursor') === 'p2';
      const body: Record<string, unknown> = { packed: packRevocations(pages[second ? 1 : 0]!).packed.toString('base64'), items: [], next_cursor: second ? null : 'p2' };
      if (hint !== undefined) body.remaining = hint;
      res.writeHead(200, { 'content-type': PACKED_REVOCATIONS_TYPE }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/auth/revoked-jtis`;
      for (const value of [undefined, 5, 0, 1, 1e12, 2 ** 53, -3, 2.5, '5', null]) {
        hint = value;
        const a = await start({ endpoint, ttlSeconds: 60 });
        await a.client.warmUp();
        for (const e of entries) expect((await a.get('/api/data', await issuer.mint({ jti: e.jti }))).status, `${String(value)} ${e.jti}`).toBe(401);
        expect((await a.get('/api/data', await issuer.mint({ jti: randomUUID() }))).status, String(value)).toBe(200);
        await a.close();
        app = undefined;
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  for (const [name, pageSize] of [['pages of 3 records', 3], ['no paging (the reference server)', false]] as const) {
    it(`loads a list longer than a page and polls increments: ${name}`, async () => {
      await issuer.close();
      issuer = await createTestIssuer({ revocationBearer: BEARER, revocationPageSize: pageSize });
      const exp = Math.floor(Date.now() / 1000) + 300;
      for (let i = 0; i < 10; i++) issuer.server.revoke(`early-${i}`, exp);
      const a = await start({ ttlSeconds: 0.2 });
      await a.client.warmUp();
      // The first poll read every page (10 records, 3 per page: 4 requests) before warmUp resolved.
      expect(issuer.server.requests.revocation).toBe(pageSize === false ? 1 : 4);
      for (let i = 0; i < 10; i++) expect((await a.get('/api/data', await issuer.mint({ jti: `early-${i}` }))).status).toBe(401);
      const keep = await issuer.mint({ jti: 'kept' });
      expect((await a.get('/api/data', keep)).status).toBe(200);
      issuer.server.revoke('kept', exp);
      await vi.waitFor(async () => expect((await a.get('/api/data', keep)).status).toBe(401), { timeout: 10_000, interval: 20 });
      expect((await a.get('/api/data', await issuer.mint({ jti: 'early-0' }))).status).toBe(401);
    });
  }
});
