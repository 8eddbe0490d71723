/** Serving the sign-in page (src/web/serve.ts), from the sample API and from the auth service. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInPage, type SignInPageOptions } from '../../src/web/serve.js';
import { startService, type RunningService } from '../helpers/service.js';

async function serve(options: SignInPageOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(signInPage(options));
  app.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('signInPage', () => {
  let page: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    page = await serve({ authUrl: 'https://auth.example.com/', chainIds: [1, 10] });
  });
  afterAll(() => page.close());

  it('serves the HTML under a strict CSP that allows exactly the inline import map', async () => {
    const res = await fetch(`${page.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const importMap = /<script type="importmap">(.*?)<\/script>/.exec(html)?.[1];
    expect(importMap).toBeDefined();
    const hash = createHash('sha256').update(importMap!).digest('base64');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self' https://auth.example.com");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('hands the page its configuration (never read from the page URL)', async () => {
    const res = await fetch(`${page.url}/config.json?authUrl=https://evil.test`);
    expect(await res.json()).toEqual({ authUrl: 'https://auth.example.com', apiUrl: '', chainIds: [1, 10], statement: 'Sign in to pico-server-auth with this wallet.' });
  });

  it('serves the page modules as JavaScript (transpiled when running from source) and the keccak vendor files', async () => {
    const main = await fetch(`${page.url}/sign-in/main.js`);
    expect(main.status).toBe(200);
    expect(main.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await main.text();
    expect(js).toContain("from './siwe.js'");
    expect(js).not.toMatch(/^interface /m); // types are gone
    const siwe = await (await fetch(`${page.url}/sign-in/siwe.js`)).text();
    expect(siwe).toContain("from '@noble/hashes/sha3.js'");
    const sha3 = await fetch(`${page.url}/vendor/noble-hashes/sha3.js`);
    expect(sha3.status).toBe(200);
    expect(await sha3.text()).toContain('keccak_256');
    expect((await fetch(`${page.url}/vendor/noble-hashes/_u64.js`)).status).toBe(200);
    expect((await fetch(`${page.url}/sign-in.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves nothing else', async () => {
    for (const path of ['/sign-in/nope.js', '/sign-in/main.ts', '/sign-in/..%2Fserve.js', '/sign-in/%2E%2E%2Fserve.js', '/vendor/noble-hashes/package.json', '/vendor/noble-hashes/..%2F..%2Fsiwe%2Fpackage.json', '/vendor/noble-hashes/nope.js']) {
      expect((await fetch(page.url + path)).status, path).toBe(404);
    }
  });

  it('serves compiled modules as they are when the directory holds .js files (the dist layout)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pico-page-'));
    writeFileSync(join(dir, 'main.js'), 'export const compiled = true;\n');
    const built = await serve({ authUrl: '', moduleDir: dir });
    try {
      expect(await (await fetch(`${built.url}/sign-in/main.js`)).text()).toBe('export const compiled = true;\n');
      expect((await fetch(`${built.url}/sign-in/siwe.js`)).status).toBe(404);
    } finally {
      await built.close();
    }
  });

  it('refuses base URLs and statements that cannot work, at creation', () => {
    expect(() => signInPage({ authUrl: 'javascript:alert(1)' })).toThrow(TypeError);
    expect(() => signInPage({ authUrl: 'not a url' })).toThrow(TypeError);
    expect(() => signInPage({ authUrl: '', apiUrl: 'ftp://x' })).toThrow(TypeError);
    expect(() => signInPage({ authUrl: '', statement: 'two\nlines' })).toThrow(TypeError);
    expect(() => signInPage({ authUrl: '/auth', apiUrl: null })).not.toThrow();
  });
});

describe('the auth service demo page (AUTH_DEMO_PAGE)', () => {
  let on: RunningService;
  let off: RunningService;
  beforeAll(async () => {
    [on, off] = await Promise.all([startService({ demoPage: true, siweChainIds: ['1', '8453'] }), startService()]);
  });
  afterAll(() => Promise.all([on.close(), off.close()]));

  it('is served at / only when enabled, calling the auth service on its own origin', async () => {
    expect((await fetch(`${on.url}/`)).status).toBe(200);
    expect(await (await fetch(`${on.url}/config.json`)).json()).toMatchObject({ authUrl: '', apiUrl: null, chainIds: [1, 8453] });
    expect((await fetch(`${on.url}/`)).headers.get('content-security-policy')).toContain("connect-src 'self';");
    for (const path of ['/', '/config.json', '/sign-in/main.js']) expect((await fetch(off.url + path)).status, path).toBe(404);
  });
});
