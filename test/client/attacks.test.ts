import { createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, createTestKeyPair, mintToken, type TestIssuer } from '../../src/client/testing.js';
import { startProtectedApp, type Harness } from './harness.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('verification against a local JWKS', () => {
  let issuer: TestIssuer;
  let app: Harness;
  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'orders-api' });
    app = await startProtectedApp(issuer.clientOptions());
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  const expect401 = async (token: string | undefined, code: string, headers?: Record<string, string>) => {
    const res = await app.get('/api/data', token, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body).toEqual({ detail: expect.any(String), error: code });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  };

  it('accepts a valid token and exposes req.auth', async () => {
    const res = await app.get('/api/data', await issuer.mint({ sub: 'alice' }));
    expect(res).toMatchObject({ status: 200, body: { sub: 'alice' } });
  });

  it('accepts ES256 and EdDSA keys published in the same JWKS', async () => {
    const es = await createTestKeyPair('ES256');
    const ed = await createTestKeyPair('EdDSA');
    issuer.server.setKeys([issuer.key, es, ed]);
    await app.client.warmUp();
    for (const key of [es, ed]) {
      const token = await mintToken(key, { iss: issuer.issuer, aud: 'orders-api', sub: key.alg });
      expect(await app.get('/api/data', token)).toMatchObject({ status: 200, body: { sub: key.alg } });
    }
  });

  it('refuses a missing token, another scheme, and an empty bearer', async () => {
    await expect401(undefined, 'missing_token');
    await expect401(undefined, 'missing_token', { authorization: 'Basic dXNlcjpwYXNz' });
    await expect401(undefined, 'invalid_token', { authorization: 'Bearer ' });
    await expect401(undefined, 'invalid_token', { authorization: 'Bearer a b' });
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', kid: issuer.key.kid, typ: 'JWT' })}.${b64({ iss: issuer.issuer, aud: 'orders-api', sub: 'x', role: 'operator', exp: now + 60, jti: 'j' })}.`;
    await expect401(token, 'invalid_token');
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret', async () => {
    const publicPem = createPublicKey({ key: issuer.key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [publicPem, JSON.stringify(issuer.key.publicJwk)]) {
      const token = await new SignJWT({ sub: 'mallory', role: 'operator', jti: 'x' })
        .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid, typ: 'JWT' })
        .setIssuer(issuer.issuer).setAudience('orders-api').setIssuedAt().setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));
      await expect401(token, 'invalid_token');
    }
  });

  it('refuses a foreign key under a real kid', async () => {
    const foreign = await createTestKeyPair('RS256');
    const token = await mintToken(foreign, { iss: issuer.issuer, aud: 'orders-api' }, { header: { kid: issuer.key.kid } });
    await expect401(token, 'invalid_token');
  });

  it('refuses expired, not-yet-valid, wrong-audience and wrong-issuer tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await issuer.mint({ iat: now - 600, nbf: now - 600, exp: now - 120 }), 'token_expired');
    await expect401(await issuer.mint({ nbf: now + 600, exp: now + 900 }), 'token_not_yet_valid');
    await expect401(await issuer.mint({ aud: 'billing-api' }), 'invalid_token');
    await expect401(await issuer.mint({ iss: 'https://evil.example' }), 'invalid_token');
  });

  it('honours the clock tolerance (30 s by default)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await app.get('/api/data', await issuer.mint({ exp: now - 10 }))).status).toBe(200);
    expect((await app.get('/api/data', await issuer.mint({ nbf: now + 10 }))).status).toBe(200);
  });

  it('refuses a refresh token (opaque base64url) used as a bearer, and garbage', async () => {
    const refresh = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    await expect401(refresh, 'invalid_token');
    for (const garbage of ['x', 'a.b.c', '...', '%%%', 'eyJhbGciOiJSUzI1NiJ9.e30.', 'A'.repeat(9000)]) await expect401(garbage, 'invalid_token');
  });

  it('refuses a token without kid, with a non-JWT typ, or with malformed claims', async () => {
    await expect401(await issuer.mint({}, { header: { kid: undefined } }), 'invalid_token');
    await expect401(await issuer.mint({}, { header: { typ: 'at+jwt' } }), 'invalid_token');
    await expect401(await issuer.mint({ groups: 'admins' }), 'invalid_token');
    await expect401(await issuer.mint({ scopes: [1] }), 'invalid_token');
    await expect401(await issuer.mint({ role: undefined }), 'invalid_token');
    await expect401(await issuer.mint({ sub: undefined }), 'invalid_token');
  });
});
