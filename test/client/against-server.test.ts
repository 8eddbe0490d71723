import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthService, type AuthService } from '../../src/server/index.js';
import { startProtectedApp, type Harness } from './harness.js';

/**
 * End to end: the real auth service (in-memory stores, a generated key) issues a token through the
 * Ed25519 wallet sign-in; the client middleware fetches the service's real JWKS and accepts it.
 */
describe('client against the real auth service', () => {
  const issuer = 'http://pico-auth.test';
  const audience = 'sample-api';
  const FLEET_SECRET = 'fleet-secret-for-client-tests';
  let dataDir: string;
  let service: AuthService;
  let url: string;
  let app: Harness;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pico-client-e2e-'));
    service = await createAuthService({
      serverAuth: { issuer, audience, port: 0, host: '127.0.0.1', dataDir, fleetSecret: FLEET_SECRET, fleetRoles: ['operator', 'service'] },
    });
    ({ url } = await service.listen(0, '127.0.0.1'));
    app = await startProtectedApp({ issuer, audience, jwksUrl: `${url}/api/v1/auth/jwks` });
  });
  afterAll(async () => {
    await app?.close();
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function walletSignIn(): Promise<{ access_token: string; refresh_token: string; address: string }> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const address = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
    const post = async (path: string, body: unknown): Promise<any> => {
      const res = await fetch(`${url}/api/v1/auth/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = await res.json();
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    const { challenge } = await post('challenge', { address });
    const signature = sign(null, Buffer.from(challenge, 'utf8'), privateKey).toString('hex');
    return post('sign-in', { algorithm: 'Ed25519', address, public_key: address, signature, challenge });
  }

  it('accepts a token issued by a wallet sign-in, with the full security context', async () => {
    const pair = await walletSignIn();
    const res = await app.get('/api/me', pair.access_token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ sub: pair.address, role: 'wallet', groups: [], scopes: [] });
    expect(res.body.claims).toMatchObject({ iss: issuer, aud: audience, wallet_address: pair.address, algorithm: 'Ed25519' });
    expect(typeof res.body.jti).toBe('string');
    expect(app.client.jwksStatus().fetches).toBe(1);
  });

  async function serviceToken(role: 'operator' | 'service'): Promise<string> {
    const res = await fetch(`${url}/api/v1/auth/fleet/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fleet-secret': FLEET_SECRET },
      body: JSON.stringify({ session_id: `s-${role}`, agent_id: `client-test-${role}`, role }),
    });
    const body = (await res.json()) as { access_token: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.access_token;
  }

  it('a token revoked through POST /revoke is refused within a poll interval', async () => {
    const protectedApp = await startProtectedApp({
      issuer,
      audience,
      jwksUrl: `${url}/api/v1/auth/jwks`,
      revocation: { endpoint: `${url}/api/v1/auth/revoked-jtis`, bearer: await serviceToken('service'), ttlSeconds: 0.5 },
    });
    try {
      await protectedApp.client.warmUp();
      const pair = await walletSignIn();
      const me = await protectedApp.get('/api/me', pair.access_token);
      expect(me.status, JSON.stringify(me.body)).toBe(200);
      const operator = await serviceToken('operator');
      const revoked = await fetch(`${url}/api/v1/auth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
        body: JSON.stringify({ jti: me.body.jti, reason: 'client e2e' }),
      });
      expect(revoked.status).toBe(200);
      await vi.waitFor(async () => expect(await protectedApp.get('/api/data', pair.access_token)).toMatchObject({ status: 401, body: { error: 'token_revoked' } }), { timeout: 10_000, interval: 25 });
      // Another token of the same wallet is unaffected.
      expect((await protectedApp.get('/api/data', (await walletSignIn()).access_token)).status).toBe(200);
    } finally {
      await protectedApp.close();
    }
  });

  it('refuses the refresh token of that sign-in as a bearer', async () => {
    const pair = await walletSignIn();
    expect(await app.get('/api/data', pair.refresh_token)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('refuses an operator route for a wallet token (403)', async () => {
    const pair = await walletSignIn();
    expect(await app.get('/api/operator', pair.access_token)).toMatchObject({ status: 403, body: { error: 'insufficient_role' } });
  });

  it('honours the service JWKS max-age and ETag (a second client revalidates to 304)', async () => {
    const res = await fetch(`${url}/api/v1/auth/jwks`);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${url}/api/v1/auth/jwks`, { headers: { 'if-none-match': etag! } })).status).toBe(304);
  });
});
