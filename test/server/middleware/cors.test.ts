import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { CORS_MAX_AGE_SECONDS } from '../../../src/server/middleware/cors.js';
import { ConfigError } from '../../../src/server/errors/index.js';
import { createAuthService } from '../../../src/server/index.js';
import { makeKeyDir, startService, type RunningService } from '../../helpers/service.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch treats `Origin` as the runtime's own header. */
function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers: body ? { 'content-type': 'application/json', ...headers } : headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ALLOWED = 'http://app.test:8080';
const OTHER = 'https://other.test';
const ADDRESS = '0x' + 'ab'.repeat(20);
const corsHeaders = (a: Answer) => Object.keys(a.headers).filter((h) => h.startsWith('access-control-'));
const vary = (a: Answer) => String(a.headers.vary ?? '').split(',').map((s) => s.trim().toLowerCase());
const preflight = (origin: string, method = 'POST', requestHeaders = 'content-type') => ({
  Origin: origin,
  'Access-Control-Request-Method': method,
  'Access-Control-Request-Headers': requestHeaders,
});

describe('CORS with AUTH_CORS_ORIGINS set', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ corsOrigins: [ALLOWED, OTHER] });
  });
  afterAll(() => svc.close());

  it.each(['/challenge', '/sign-in', '/refresh', '/jwks'])('answers a preflight for %s from an allowed origin', async (path) => {
    const a = await call(svc.api, 'OPTIONS', path, preflight(ALLOWED, path === '/jwks' ? 'GET' : 'POST', 'content-type, x-evil'));
    expect(a.status).toBe(204);
    expect(a.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(a.headers['access-control-allow-methods']).toBe('GET,HEAD,POST');
    // A fixed list: the requested `x-evil` is not echoed back.
    expect(a.headers['access-control-allow-headers']).toBe('Content-Type,If-None-Match');
    expect(a.headers['access-control-max-age']).toBe(String(CORS_MAX_AGE_SECONDS));
    expect(a.headers['access-control-allow-credentials']).toBeUndefined();
    expect(vary(a)).toContain('origin');
  });

  it('matches every listed origin exactly, each answered with its own origin', async () => {
    const a = await call(svc.api, 'OPTIONS', '/challenge', preflight(OTHER));
    expect(a.headers['access-control-allow-origin']).toBe(OTHER);
  });

  it.each([
    ['an unlisted origin', 'https://evil.test'],
    ['a suffix of a listed origin', 'http://app.test:8080.evil.test'],
    ['a subdomain of a listed origin', 'http://evil.app.test:8080'],
    ['another port', 'http://app.test:8081'],
    ['another scheme', 'https://app.test:8080'],
    ['a different case', 'http://APP.test:8080'],
    ['the null origin', 'null'],
  ])('never allows %s (no Access-Control-Allow-Origin, still Vary: Origin)', async (_what, origin) => {
    const pre = await call(svc.api, 'OPTIONS', '/sign-in', preflight(origin));
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(vary(pre)).toContain('origin');
    const post = await call(svc.api, 'POST', '/challenge', { Origin: origin }, JSON.stringify({ address: ADDRESS }));
    // CORS is not access control: the request is served, but the browser may not read the answer.
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    expect(vary(post)).toContain('origin');
  });

  it('puts the headers on real answers, errors included, and exposes Retry-After and ETag', async () => {
    const ok = await call(svc.api, 'POST', '/challenge', { Origin: ALLOWED }, JSON.stringify({ address: ADDRESS }));
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(ok.headers['access-control-expose-headers']).toBe('Retry-After,ETag');
    expect(vary(ok)).toContain('origin');
    const bad = await call(svc.api, 'POST', '/sign-in', { Origin: ALLOWED }, JSON.stringify({ algorithm: 'nope' }));
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe(ALLOWED);
    const refresh = await call(svc.api, 'POST', '/refresh', { Origin: ALLOWED }, JSON.stringify({ refresh_token: 'x' }));
    expect(refresh.status).toBe(401);
    expect(refresh.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('serves the JWKS to an allowed origin (lean path and Express path), with 304s, and Vary: Origin everywhere', async () => {
    const a = await call(svc.api, 'GET', '/jwks', { Origin: ALLOWED });
    expect(a.status).toBe(200);
    expect(a.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(vary(a)).toEqual(expect.arrayContaining(['origin', 'accept-encoding']));
    expect(JSON.parse(a.body).keys).toHaveLength(1);
    const etag = String(a.headers.etag);
    const again = await call(svc.api, 'GET', '/jwks', { Origin: ALLOWED, 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers['access-control-allow-origin']).toBe(ALLOWED);
    // Without Origin (servers, probes): the lean path, no CORS header, but a cache still learns it varies.
    const plain = await call(svc.api, 'GET', '/jwks');
    expect(plain.status).toBe(200);
    expect(corsHeaders(plain)).toEqual([]);
    expect(vary(plain)).toEqual(expect.arrayContaining(['origin', 'accept-encoding']));
    const denied = await call(svc.api, 'GET', '/jwks', { Origin: 'https://evil.test' });
    expect(denied.status).toBe(200);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    // A query string goes through Express, which applies the same middleware.
    const viaExpress = await call(svc.api, 'GET', '/jwks?x=1', { Origin: ALLOWED });
    expect(viaExpress.status).toBe(200);
    expect(viaExpress.headers['access-control-allow-origin']).toBe(ALLOWED);
    // Other methods on the JWKS path keep their answer (404 from Express), with CORS headers.
    const post = await call(svc.api, 'POST', '/jwks', { Origin: ALLOWED }, '{}');
    expect(post.status).toBe(404);
  });

  it('leaves every other endpoint without CORS headers', async () => {
    for (const [method, path] of [['OPTIONS', '/login'], ['POST', '/login'], ['GET', '/revoked-jtis'], ['OPTIONS', '/revoke']] as const) {
      const a = await call(svc.api, method, path, method === 'OPTIONS' ? preflight(ALLOWED) : { Origin: ALLOWED }, method === 'POST' ? '{}' : undefined);
      expect(corsHeaders(a), `${method} ${path}`).toEqual([]);
    }
    const health = await call(svc.url, 'GET', '/healthz', { Origin: ALLOWED });
    expect(corsHeaders(health)).toEqual([]);
  });
});

describe('CORS with AUTH_CORS_ORIGINS unset', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(() => svc.close());

  it('writes no CORS header at all, preflight or not, and keeps the JWKS lean', async () => {
    const pre = await call(svc.api, 'OPTIONS', '/challenge', preflight(ALLOWED));
    expect(corsHeaders(pre)).toEqual([]);
    const post = await call(svc.api, 'POST', '/challenge', { Origin: ALLOWED }, JSON.stringify({ address: ADDRESS }));
    expect(post.status).toBe(200);
    expect(corsHeaders(post)).toEqual([]);
    const jwks = await call(svc.api, 'GET', '/jwks', { Origin: ALLOWED });
    expect(jwks.status).toBe(200);
    expect(corsHeaders(jwks)).toEqual([]);
    expect(vary(jwks)).toEqual(['accept-encoding']);
    const jwksPre = await call(svc.api, 'OPTIONS', '/jwks', preflight(ALLOWED, 'GET'));
    expect(corsHeaders(jwksPre)).toEqual([]);
  });
});

describe('AUTH_CORS_ORIGINS validation', () => {
  it('accepts exact origins, deduplicated', () => {
    expect(loadConfig({ corsOrigins: ['https://a.test', 'http://127.0.0.1:8200', 'https://a.test'] }).corsOrigins).toEqual(['https://a.test', 'http://127.0.0.1:8200']);
    expect(loadConfig({ corsOrigins: [] }).corsOrigins).toEqual([]);
  });

  it.each([
    ['*', /not allowed/],
    ['null', /not allowed/],
    ['https://a.test/', /did you mean "https:\/\/a.test"/],
    ['https://a.test/app', /did you mean "https:\/\/a.test"/],
    ['https://A.test', /did you mean "https:\/\/a.test"/],
    ['https://a.test:443', /did you mean "https:\/\/a.test"/],
    ['a.test', /expected e.g./],
    ['ftp://a.test', /not an exact origin/],
    ['*.a.test', /not an exact origin/],
  ])('refuses %s at start', (entry, why) => {
    let err: unknown;
    try {
      loadConfig({ corsOrigins: [entry] }); // the settings table refuses it
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatch(/^AUTH_CORS_ORIGINS/);
    expect((err as ConfigError).issues[0]).toMatch(why);
  });

  it('makes the service refuse to start with a bad entry', async () => {
    await expect(createAuthService({ serverAuth: { keysDir: makeKeyDir(), logLevel: 'silent' }, env: { AUTH_CORS_ORIGINS: 'https://ok.test,https://bad.test/' } })).rejects.toThrow(ConfigError);
  });
});
