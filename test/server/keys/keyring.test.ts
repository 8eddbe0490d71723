import { createPublicKey, verify } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildKeyring, generateKeyPem, KeyParseError } from '../../../src/server/keys/index.js';
import { signAccessToken } from '../../../src/server/tokens/access-token.js';

const rsa = generateKeyPem('RS256');
const ec = generateKeyPem('ES256');
const ed = generateKeyPem('EdDSA');

describe('buildKeyring', () => {
  it('publishes active, next and retired keys with RFC 7638 thumbprints as kid', async () => {
    const ring = await buildKeyring(new Map([['active.pem', rsa], ['next.pem', ec], ['old-1.pem', ed]]));
    expect(ring.entries.map((e) => [e.file, e.state, e.alg])).toEqual([
      ['active.pem', 'active', 'RS256'],
      ['next.pem', 'next', 'ES256'],
      ['old-1.pem', 'retired', 'EdDSA'],
    ]);
    for (const jwk of ring.jwks.keys) {
      const { kid, alg: _alg, use: _use, ...members } = jwk;
      expect(kid).toBe(await calculateJwkThumbprint(members, 'sha256'));
      expect(jwk).not.toHaveProperty('d'); // never a private member
    }
    expect(JSON.parse(ring.body.toString())).toEqual(ring.jwks);
    expect(ring.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('gives the same kid, body and fingerprint for the same PEM on every replica', async () => {
    const a = await buildKeyring(new Map([['active.pem', rsa]]));
    const b = await buildKeyring(new Map([['active.pem', rsa]]));
    expect(a.active.kid).toBe(b.active.kid);
    expect(a.body.equals(b.body)).toBe(true);
    expect(a.etag).toBe(b.etag);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('publishes a key present twice only once (next == active mid-rotation)', async () => {
    const ring = await buildKeyring(new Map([['active.pem', ec], ['next.pem', ec]]));
    expect(ring.jwks.keys).toHaveLength(1);
  });

  it('refuses a directory without active.pem, garbage, small RSA and unsupported curves', async () => {
    await expect(buildKeyring(new Map([['next.pem', rsa]]))).rejects.toBeInstanceOf(KeyParseError);
    await expect(buildKeyring(new Map([['active.pem', 'not a key']]))).rejects.toThrow(/not a PEM private key/);
    const { generateKeyPairSync } = await import('node:crypto');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(buildKeyring(new Map([['active.pem', small]]))).rejects.toThrow(/2048/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(buildKeyring(new Map([['active.pem', k1]]))).rejects.toThrow(/P-256/);
  });

  it.each([['RS256', rsa], ['ES256', ec], ['EdDSA', ed]] as const)('signs %s tokens that verify against the published JWK', async (alg, pem) => {
    const ring = await buildKeyring(new Map([['active.pem', pem]]));
    const issued = await signAccessToken(ring, { sub: 'abc', role: 'wallet' }, { issuer: 'https://i', audience: 'aud', ttlSeconds: 900 });
    const key = await importJWK(ring.jwks.keys[0]!, alg);
    const { payload, protectedHeader } = await jwtVerify(issued.token, key, { issuer: 'https://i', audience: 'aud', algorithms: [alg] });
    expect(protectedHeader).toEqual({ alg, kid: ring.active.kid, typ: 'JWT' });
    expect(payload).toMatchObject({ sub: 'abc', role: 'wallet', jti: issued.jti, exp: issued.exp });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.nbf).toBe(payload.iat);
    // sanity: the public key really is the private key's
    expect(createPublicKey(ring.active.privateKey).export({ format: 'jwk' }).x ?? 'rsa').toBeTruthy();
    void verify;
  });
});
