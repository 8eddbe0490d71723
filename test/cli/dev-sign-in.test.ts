import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';
import { cli, tmp } from './run-cli.js';

describe('pico-auth dev sign-in', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => svc?.close());

  it('signs in with a throwaway Ed25519 wallet and prints tokens the JWKS verifies', async () => {
    const r = await cli(['dev', 'sign-in', '--url', svc.url]);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { access_token: string; refresh_token: string; address: string; token_type: string };
    expect(body.token_type).toMatch(/^bearer$/i);
    expect(body.address).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr).toContain(`signed in as ${body.address} (a new Ed25519 development wallet)`);
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${svc.api}/jwks`)), { issuer: 'https://auth.test', audience: 'test-platform' });
    expect(payload.sub).toBe(body.address);
    // The refresh token works as any client's would.
    const refreshed = await fetch(`${svc.api}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: body.refresh_token }) });
    expect(refreshed.status).toBe(200);
  });

  it('--token-only prints the access token alone; --wallet FILE signs in as the same address again', async () => {
    const wallet = join(tmp(), 'dev-wallet.pem');
    const first = await cli(['dev', 'sign-in', '--url', svc.url, '--wallet', wallet, '--token-only']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(existsSync(wallet) && statSync(wallet).mode & 0o777).toBe(0o600);
    const second = await cli(['dev', 'sign-in', '--url', svc.url, '--wallet', wallet, '--token-only']);
    expect(second.stderr).toMatch(/the saved Ed25519 development wallet/);
    expect(decodeJwt(second.stdout.trim()).sub).toBe(decodeJwt(first.stdout.trim()).sub);
  });

  it('says clearly when no service answers, and relays the service\'s error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await cli(['dev', 'sign-in', '--url', `http://127.0.0.1:${port}`]);
    expect(down).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot reach the auth service at http://127.0.0.1:${port}/api/v1/auth/challenge (ECONNREFUSED): is it running? \`npm start\``) });
    const notAuth = await cli(['dev', 'sign-in', '--url', `${svc.url}/nothing-here/`]);
    expect(notAuth.code).toBe(1);
    expect(notAuth.stderr).toMatch(/answered 404/);
  });
});
