/**
 * The sign-in page in a real browser (Debian's chromium, driven by playwright-core) against a real
 * auth service and the sample API on 127.0.0.1, with a test EIP-1193 wallet:
 * - the page served by the sample API signs in (SIWE) and shows what `/api/me` says;
 * - a wallet on a chain outside AUTH_SIWE_CHAIN_IDS, a refused signature, a challenge no longer
 *   valid: each gets its readable error;
 * - the same page served from an origin outside AUTH_CORS_ORIGINS is stopped by the browser's CORS
 *   check (the console says so) before anything is signed;
 * - the auth service's own demo page (AUTH_DEMO_PAGE) signs in on its origin and checks the chain
 *   before asking for a signature.
 * In CI the browser is required; elsewhere the suite is skipped, loudly, when there is none.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, type AuthClient } from '../../src/client/index.js';
import { createSampleApp } from '../../src/sample/app.js';
import { createAuthService, type AuthService } from '../../src/server/index.js';
import { makeKeyDir } from '../helpers/service.js';
import { freePort } from '../helpers/redis-server.js';
import { installTestWallet, type TestWalletOptions } from './test-wallet.js';

const CHROMIUM = process.env.PICO_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const CHAIN = 31337;
const OTHER_CHAIN = 5;
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  if (process.env.CI) throw new Error(`[browser tests] CI needs chromium at ${CHROMIUM}: .ci/setup.d/60-chromium.sh installs it (apt-get install chromium)`);
  console.warn(`\n[browser tests] NO CHROMIUM at ${CHROMIUM}: the real-browser sign-in tests are SKIPPED. Install it (apt-get install chromium) or set PICO_CHROMIUM.\n`);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Generous: a shared 2-core CI machine runs two Node legs; a page run takes ~1-5 s when idle.
describe.skipIf(!haveChromium)('sign-in page in chromium', { timeout: 90_000 }, () => {
  let browser: Browser;
  let auth: AuthService;
  let authUrl: string;
  let client: AuthClient;
  let sampleUrl: string; // listed in AUTH_CORS_ORIGINS
  let strangerUrl: string; // the same page on an origin that is not
  const servers: Server[] = [];

  beforeAll(async () => {
    const authPort = await freePort();
    authUrl = `http://127.0.0.1:${authPort}`;
    client = createAuthClient({ issuer: authUrl, audience: 'pico-platform' });
    const sample = createSampleApp({ auth: client, signInPage: { authUrl } });
    servers.push(sample.listen(0, '127.0.0.1' as never), sample.listen(0, '127.0.0.1' as never));
    await Promise.all(servers.map((s) => (s.listening ? undefined : once(s, 'listening'))));
    [sampleUrl, strangerUrl] = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`) as [string, string];

    auth = await createAuthService({
      serverAuth: {
        keysDir: makeKeyDir(),
        logLevel: 'silent',
        issuer: authUrl,
        corsOrigins: [sampleUrl],
        siweDomains: [new URL(sampleUrl).host, new URL(strangerUrl).host, new URL(authUrl).host],
        siweChainIds: [String(CHAIN)],
        demoPage: true,
      },
    });
    await auth.listen(authPort, '127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    client?.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await auth?.close();
  });

  interface Run {
    context: BrowserContext;
    page: Page;
    address: string;
    signed: string[];
    console: string[];
  }

  async function openPage(url: string, wallet: TestWalletOptions): Promise<Run> {
    const context = await browser.newContext({ viewport: { width: 860, height: 900 }, deviceScaleFactor: 1 });
    const { address, signed } = await installTestWallet(context, wallet);
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await expect.poll(() => page.getAttribute('body', 'data-state')).toBe('idle');
    return { context, page, address, signed, console: consoleLines };
  }

  /** Presses the button and waits for the page to finish, one way or the other. */
  async function signIn(run: Run): Promise<'done' | 'error'> {
    await run.page.click('#sign-in');
    await run.page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
    return (await run.page.getAttribute('body', 'data-state')) as 'done' | 'error';
  }

  const errorOf = async (run: Run) => ({ kind: await run.page.getAttribute('#error', 'data-kind'), text: (await run.page.textContent('#error')) ?? '' });

  it('signs in with the wallet and shows what /api/me says', async () => {
    const run = await openPage(sampleUrl, { chainId: CHAIN });
    try {
      expect(await signIn(run), JSON.stringify(await errorOf(run))).toBe('done');
      expect(await run.page.textContent('#status')).toBe(`Signed in as ${run.address}.`);
      const me = JSON.parse((await run.page.textContent('#me')) ?? '{}');
      expect(me).toMatchObject({ sub: run.address, role: 'wallet', claims: { wallet_address: run.address, algorithm: 'EIP-4361', iss: authUrl } });
      // The SIWE message the wallet signed: the page's host as domain, EIP-55 address, our chain.
      expect(run.signed).toHaveLength(1);
      expect(run.signed[0]).toContain(`${new URL(sampleUrl).host} wants you to sign in with your Ethereum account:\n0x`);
      expect(run.signed[0]).toContain(`Chain ID: ${CHAIN}\n`);
      // No CSP violation, no script error: the page works under its own policy.
      expect(run.console.filter((l) => /^(error|pageerror)/.test(l))).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await run.page.screenshot({ path: join(ARTIFACTS, 'sign-in.png'), fullPage: true });
    } finally {
      await run.context.close();
    }
  });

  it('tells a wallet on a chain outside AUTH_SIWE_CHAIN_IDS that it is on the wrong network', async () => {
    const run = await openPage(sampleUrl, { chainId: OTHER_CHAIN });
    try {
      expect(await signIn(run)).toBe('error');
      const err = await errorOf(run);
      expect(err.kind).toBe('wrong_chain');
      expect(err.text).toContain(`Wrong network: your wallet is on chain ${OTHER_CHAIN}, which this service does not accept.`);
      expect(await run.page.isHidden('#result')).toBe(true);
    } finally {
      await run.context.close();
    }
  });

  it('says so when the signature request is refused (EIP-1193 code 4001)', async () => {
    const run = await openPage(sampleUrl, { chainId: CHAIN, rejectSignature: true });
    try {
      expect(await signIn(run)).toBe('error');
      expect(await errorOf(run)).toEqual({ kind: 'rejected', text: expect.stringContaining('You rejected the request in your wallet.') });
    } finally {
      await run.context.close();
    }
  });

  it('asks to start again when the challenge is no longer valid (spent before the page used it)', async () => {
    // The test signs in with the page's own message and signature first: the challenge is spent,
    // so the page's sign-in meets `invalid_challenge`, as it would after the challenge's TTL.
    const run = await openPage(sampleUrl, {
      chainId: CHAIN,
      afterSign: async (message, signature) => {
        const res = await fetch(`${authUrl}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ algorithm: 'EIP-4361', message, signature }) });
        expect(res.status).toBe(200);
      },
    });
    try {
      expect(await signIn(run)).toBe('error');
      const err = await errorOf(run);
      expect(err.kind).toBe('expired_challenge');
      expect(err.text).toContain('The sign-in challenge expired or was already used before your signature arrived (a challenge lives 60 seconds).');
    } finally {
      await run.context.close();
    }
  });

  it('is blocked by the browser when served from an origin outside AUTH_CORS_ORIGINS', async () => {
    const run = await openPage(strangerUrl, { chainId: CHAIN });
    try {
      expect(await signIn(run)).toBe('error');
      const err = await errorOf(run);
      expect(err.kind).toBe('unreachable');
      expect(err.text).toContain(`Could not reach the auth service at ${authUrl}/api/v1/auth/challenge.`);
      expect(err.text).toContain(`must allow this page's origin ${strangerUrl}`);
      // The browser's own verdict: the preflight got no Access-Control-Allow-Origin for this origin.
      expect(run.console.join('\n')).toMatch(new RegExp(`from origin '${strangerUrl}' has been blocked by CORS policy`));
      expect(run.signed).toEqual([]);
    } finally {
      await run.context.close();
    }
  });

  it('serves the demo page from the auth service (AUTH_DEMO_PAGE): same-origin sign-in, chain checked before signing', async () => {
    const ok = await openPage(authUrl, { chainId: CHAIN });
    try {
      expect(await signIn(ok)).toBe('done');
      const claims = JSON.parse((await ok.page.textContent('#me')) ?? '{}');
      expect(claims).toMatchObject({ sub: ok.address, wallet_address: ok.address, algorithm: 'EIP-4361', role: 'wallet' });
      expect(ok.console.filter((l) => /^(error|pageerror)/.test(l))).toEqual([]);
    } finally {
      await ok.context.close();
    }
    const wrong = await openPage(authUrl, { chainId: OTHER_CHAIN });
    try {
      expect(await signIn(wrong)).toBe('error');
      expect((await errorOf(wrong)).text).toContain(`your wallet is on chain ${OTHER_CHAIN}, which this service does not accept. It accepts chain ${CHAIN}.`);
      expect(wrong.signed).toEqual([]);
    } finally {
      await wrong.context.close();
    }
  });
});
