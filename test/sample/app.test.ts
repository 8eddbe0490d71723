import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient } from '../../src/client/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/client/testing.js';
import { createSampleApp } from '../../src/sample/app.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('sample API routes', () => {
  let issuer: TestIssuer;
  let url: string;
  let close: () => Promise<void>;
  let shuttingDown = false;

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'sample-api' });
    issuer.server.setMode('error'); // JWKS down at first: /readyz must say so
    const auth = createAuthClient(issuer.clientOptions({ jwks: { failureBackoffSeconds: 0 } }));
    const server = createSampleApp({ auth, shuttingDown: () => shuttingDown }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      auth.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await issuer.close();
    };
  });
  afterAll(() => close());

  const get = async (path: string, token?: string) => {
    const res = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('/healthz is up; /readyz is 503 until the JWKS was fetched, then 200', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'not_ready', jwks: 'unavailable' } });
    expect(await get('/api/data', await issuer.mint())).toMatchObject({ status: 503, body: { error: 'jwks_unavailable' } });
    issuer.server.setMode('up');
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready', jwks: 'loaded', revocation: 'disabled' } });
  });

  it('GET /api/public is anonymous, /api/data needs a token', async () => {
    expect((await get('/api/public')).status).toBe(200);
    expect(await get('/api/data')).toMatchObject({ status: 401, body: { error: 'missing_token' } });
    expect(await get('/api/data', await issuer.mint({ sub: 'bob' }))).toMatchObject({ status: 200, body: { sub: 'bob' } });
  });

  it('GET /api/me returns the security context, /api/admin needs role operator', async () => {
    const me = await get('/api/me', await issuer.mint({ sub: 'w', groups: ['g'], scopes: ['a:*'], wallet_address: 'ab' }));
    expect(me).toMatchObject({ status: 200, body: { sub: 'w', role: 'wallet', groups: ['g'], scopes: ['a:*'], claims: { wallet_address: 'ab' } } });
    expect(await get('/api/admin', await issuer.mint())).toMatchObject({ status: 403, body: { error: 'insufficient_role' } });
    expect((await get('/api/admin', await issuer.mint({ role: 'operator' }))).status).toBe(200);
    expect(await get('/api/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await get('/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('/readyz turns 503 once shutdown starts', async () => {
    shuttingDown = true;
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { shutting_down: true } });
    shuttingDown = false;
  });
});

describe('sample main', () => {
  it('starts from AUTH_CLIENT_* and PORT, serves, and exits 0 on SIGTERM', async () => {
    const issuer = await createTestIssuer({ audience: 'sample-api' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sample/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', AUTH_CLIENT_ISSUER: issuer.issuer, AUTH_CLIENT_AUDIENCE: 'sample-api', AUTH_CLIENT_JWKS_URL: issuer.server.jwksUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const port = await new Promise<number>((ok, fail) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          const m = /"port":(\d+)/.exec(out);
          if (m) ok(Number(m[1]));
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
      });
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status, { timeout: 15_000 }).toBe(200);
      const res = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { authorization: `Bearer ${await issuer.mint({ sub: 'x' })}` } });
      expect(await res.json()).toMatchObject({ sub: 'x' });
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await issuer.close();
    }
  });

  it('refuses a bad configuration at start with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sample/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', AUTH_CLIENT_ISSUER: 'https://auth.example', AUTH_CLIENT_AUDIENCE: 'x', AUTH_CLIENT_JWKS_URL: 'http://auth.example/jwks' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toMatch(/plain http/);
  });
});
