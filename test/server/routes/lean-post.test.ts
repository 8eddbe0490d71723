import { createServer, IncomingMessage, request, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Wallet, startService, type RunningService } from '../../helpers/service.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, so that `Origin`, `Content-Type` and the body go out exactly as given. */
function call(base: string, path: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What may differ between two answers to the same request: the date, the request id, fresh nonces and tokens. */
function comparable(a: Answer) {
  const { date: _d, 'x-request-id': _id, 'keep-alive': _k, connection: _c, ...headers } = a.headers;
  let body: unknown = a.body;
  try {
    body = JSON.parse(a.body, (key, value: unknown) => (['challenge', 'access_token', 'refresh_token', 'expires_at'].includes(key) ? typeof value : value));
  } catch {
    // not JSON: compared as text
  }
  return { status: a.status, headers, body };
}

const ALLOWED = 'http://app.test:8080';
const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * POST /challenge and /sign-in skip Express's router (app.ts, leanPosts): the service's own listener
 * must answer every request exactly as the Express app (`service.app`, which embedders mount) does:
 * status, headers (CORS, no-store, content type) and body, for successes and for every error the
 * route can give before and after its handler.
 */
describe('the lean POST routes answer as the Express app does', () => {
  let svc: RunningService;
  let express: Server;
  let expressUrl: string;

  beforeAll(async () => {
    svc = await startService({ corsOrigins: [ALLOWED], rateLimitSignInPerIp: 8, rateLimitWindowSeconds: 60 });
    express = createServer(svc.service.app);
    await new Promise<void>((r) => express.listen(0, '127.0.0.1', r));
    expressUrl = `http://127.0.0.1:${(express.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => express?.close(r));
    await svc?.close();
  });

  const wallet = ed25519Wallet();
  const cases: [name: string, path: string, headers: Record<string, string>, body: () => string | Buffer, status: number][] = [
    ['a challenge', '/challenge', JSON_TYPE, () => JSON.stringify({ address: wallet.address }), 200],
    ['a challenge from an allowed origin', '/challenge', { ...JSON_TYPE, origin: ALLOWED }, () => JSON.stringify({ address: wallet.address }), 200],
    ['a challenge from another origin', '/challenge', { ...JSON_TYPE, origin: 'https://other.test' }, () => JSON.stringify({ address: wallet.address }), 200],
    ['a caller request id', '/challenge', { ...JSON_TYPE, 'x-request-id': 'req-123' }, () => JSON.stringify({ address: wallet.address }), 200],
    ['malformed JSON', '/challenge', JSON_TYPE, () => '{"address":', 400],
    ['a JSON array', '/challenge', JSON_TYPE, () => '[]', 400],
    ['a JSON string (strict)', '/challenge', JSON_TYPE, () => '"x"', 400],
    ['no address', '/challenge', JSON_TYPE, () => '{}', 400],
    ['an invalid address', '/challenge', JSON_TYPE, () => JSON.stringify({ address: 'not-an-address' }), 400],
    ['text/plain', '/challenge', { 'content-type': 'text/plain' }, () => JSON.stringify({ address: wallet.address }), 415],
    ['an unsupported charset', '/challenge', { 'content-type': 'application/json; charset=latin1' }, () => JSON.stringify({ address: wallet.address }), 415],
    ['a body over 16 KiB', '/challenge', JSON_TYPE, () => JSON.stringify({ address: 'a'.repeat(17 * 1024) }), 413],
    ['an unknown challenge', '/sign-in', JSON_TYPE, () => JSON.stringify(wallet.body('ab'.repeat(32))), 401],
    ['an unknown algorithm', '/sign-in', JSON_TYPE, () => JSON.stringify({ ...wallet.body('ab'.repeat(32)), algorithm: 'nope' }), 400],
    ['a sign-in from an allowed origin', '/sign-in', { ...JSON_TYPE, origin: ALLOWED }, () => JSON.stringify(wallet.body('cd'.repeat(32))), 401],
  ];

  for (const [name, path, headers, body, status] of cases) {
    it(`${name}: same answer`, async () => {
      const lean = await call(svc.api, path, headers, body());
      const app = await call(`${expressUrl}/api/v1/auth`, path, headers, body());
      expect(lean.status).toBe(status);
      expect(comparable(lean)).toEqual(comparable(app));
      if (headers['x-request-id']) expect(lean.headers['x-request-id']).toBe(headers['x-request-id']);
      // Every answer is JSON in UTF-8 with its exact length (routes write it with writeJson, errors with writeError).
      expect(lean.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(lean.headers['content-length']).toBe(String(Buffer.byteLength(lean.body)));
    });
  }

  it('a full sign-in, then the rate limit: same answers on both paths', async () => {
    const signIn = async (base: string) => {
      const ch = await call(base, '/challenge', JSON_TYPE, JSON.stringify({ address: wallet.address }));
      const { challenge } = JSON.parse(ch.body) as { challenge: string };
      return call(base, '/sign-in', JSON_TYPE, JSON.stringify(wallet.body(challenge)));
    };
    const lean = await signIn(svc.api);
    const app = await signIn(`${expressUrl}/api/v1/auth`);
    expect(lean.status).toBe(200);
    expect(comparable(lean)).toEqual(comparable(app));
    expect(lean.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(lean.body)), 'cache-control': 'no-store', pragma: 'no-cache' });
    // The sign-in limit (8 per window per client: 6 used by the cases above, 2 here) is shared by both paths: both refuse alike.
    const refused = [await signIn(svc.api), await signIn(`${expressUrl}/api/v1/auth`)];
    expect(refused.map((a) => a.status)).toEqual([429, 429]);
    expect(comparable(refused[0]!)).toEqual(comparable(refused[1]!));
  });
});

/**
 * The service's listener creates requests and responses with the app's prototypes, so no request
 * swaps one (app.ts, `bornWithAppPrototypes`); `service.handler` on an embedder's own server (plain
 * node:http objects) still gets Express's request and response and answers alike.
 */
describe('request and response objects on the lean path', () => {
  let svc: RunningService;
  let plain: Server;
  let plainUrl: string;

  beforeAll(async () => {
    svc = await startService({ corsOrigins: [ALLOWED] });
    plain = createServer(svc.service.handler);
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => plain?.close(r));
    await svc?.close();
  });

  it("the service's listener makes them with the app's prototypes, still node:http's own kinds", async () => {
    const { app, server } = svc.service;
    const seen: boolean[] = [];
    const spy = (req: IncomingMessage, res: ServerResponse) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response, req instanceof IncomingMessage, res instanceof ServerResponse);
    };
    server!.prependListener('request', spy);
    try {
      const answer = await call(svc.api, '/challenge', { ...JSON_TYPE, origin: ALLOWED }, JSON.stringify({ address: ed25519Wallet().address }));
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    } finally {
      server!.off('request', spy);
    }
    expect(seen).toEqual([true, true, true, true]);
  });

  it("keeps Express's prototype shape, so service.app mounts in another Express app as before", async () => {
    const own = await startService();
    const outer = express();
    let server: Server | undefined;
    try {
      const { app } = own.service;
      for (const proto of [app.request, app.response]) expect(Object.getOwnPropertyDescriptor(proto, 'app')?.value).toBe(app);
      expect(Object.getPrototypeOf(app.request)).toBe(express.request);
      expect(Object.getPrototypeOf(app.response)).toBe(express.response);
      outer.use('/outer', app); // Express re-parents the mounted app's prototypes onto the outer app's
      expect(Object.getPrototypeOf(app.request)).toBe(outer.request);
      expect(app.request.app).toBe(app);
      server = createServer(outer);
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/outer/api/v1/auth`;
      const wallet = ed25519Wallet();
      const ch = await call(base, '/challenge', { ...JSON_TYPE, 'x-request-id': 'mounted-1' }, JSON.stringify({ address: wallet.address }));
      expect(ch.status).toBe(200);
      expect(ch.headers['x-request-id']).toBe('mounted-1');
      const { challenge } = JSON.parse(ch.body) as { challenge: string };
      const signIn = await call(base, '/sign-in', JSON_TYPE, JSON.stringify(wallet.body(challenge)));
      expect(signIn.status).toBe(200);
      expect(signIn.headers['cache-control']).toBe('no-store');
    } finally {
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      await own.close();
    }
  });

  it('service.handler on a plain node:http server answers a full sign-in as the listener does', async () => {
    const wallet = ed25519Wallet();
    const signIn = async (base: string) => {
      const ch = await call(base, '/challenge', { ...JSON_TYPE, origin: ALLOWED }, JSON.stringify({ address: wallet.address }));
      const { challenge } = JSON.parse(ch.body) as { challenge: string };
      return [ch, await call(base, '/sign-in', { ...JSON_TYPE, origin: ALLOWED }, JSON.stringify(wallet.body(challenge)))];
    };
    const viaListener = await signIn(svc.api);
    const viaPlain = await signIn(`${plainUrl}/api/v1/auth`);
    expect(viaPlain.map((a) => a.status)).toEqual([200, 200]);
    expect(viaPlain.map(comparable)).toEqual(viaListener.map(comparable));
    // Express's request API works on the plain server's objects too (the rate limit's key reads req.ip).
    const bad = await call(`${plainUrl}/api/v1/auth`, '/sign-in', JSON_TYPE, '{"address":');
    expect(bad.status).toBe(400);
    expect(comparable(bad)).toEqual(comparable(await call(svc.api, '/sign-in', JSON_TYPE, '{"address":')));
  });
});
