import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyPem } from '../../../src/server/keys/generate.js';
import { parseKeyEntry, SIGNING_ALGORITHMS } from '../../../src/server/keys/index.js';
import type { Keyring } from '../../../src/server/keys/index.js';
import { signAccessToken } from '../../../src/server/tokens/access-token.js';

/**
 * Access tokens are signed with node:crypto (src/server/tokens/jws.ts) instead of jose's SignJWT:
 * the tokens must be the very bytes jose makes for the same claims (RS256 and EdDSA are
 * deterministic), and verify with jose for every algorithm.
 */
describe('access tokens signed with node:crypto', () => {
  for (const alg of SIGNING_ALGORITHMS) {
    it(`${alg}: the bytes jose's SignJWT makes for the same claims, and jose verifies them`, async () => {
      const entry = await parseKeyEntry('active.pem', generateKeyPem(alg), 'active');
      const keyring = { active: entry } as unknown as Keyring;
      const now = 1_800_000_000;
      const settings = { issuer: 'https://auth.example', audience: 'api', ttlSeconds: 900 };
      const claims = { sub: '0xabc', role: 'wallet', wallet_address: '0xabc', algorithm: 'Ed25519', groups: ['g'], scopes: ['a:*'] };
      const issued = await signAccessToken(keyring, claims, settings, now);
      const { sub, ...rest } = claims;
      const byJose = await new SignJWT(rest)
        .setProtectedHeader({ alg: entry.alg, kid: entry.kid, typ: 'JWT' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(sub)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 900)
        .setJti(issued.jti)
        .sign(entry.privateKey);
      const [h, p, sig] = issued.token.split('.');
      const [jh, jp, jsig] = byJose.split('.');
      expect(h).toBe(jh);
      expect(p).toBe(jp);
      if (alg !== 'ES256') expect(sig).toBe(jsig); // ECDSA signatures are randomized
      expect(Buffer.from(sig!, 'base64url')).toHaveLength(alg === 'RS256' ? 256 : 64);
      const publicKey = await importJWK(entry.publicJwk, alg);
      const { payload, protectedHeader } = await jwtVerify(issued.token, publicKey, { issuer: settings.issuer, audience: 'api', algorithms: [alg], currentDate: new Date((now + 1) * 1000) });
      expect(protectedHeader).toEqual({ alg, kid: entry.kid, typ: 'JWT' });
      expect(payload).toEqual({ ...rest, iss: settings.issuer, aud: 'api', sub, iat: now, nbf: now, exp: now + 900, jti: issued.jti });
      expect(issued.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // A flipped signature byte fails verification.
      const bad = Buffer.from(sig!, 'base64url');
      bad[5]! ^= 1;
      await expect(compactVerify(`${h}.${p}.${bad.toString('base64url')}`, publicKey)).rejects.toThrow();
      expect(decodeProtectedHeader(issued.token).alg).toBe(alg);
    });
  }

  it('each token has its own jti', async () => {
    const entry = await parseKeyEntry('active.pem', generateKeyPem('EdDSA'), 'active');
    const keyring = { active: entry } as unknown as Keyring;
    const a = await signAccessToken(keyring, { sub: 's', role: 'wallet' }, { issuer: 'i', audience: 'a', ttlSeconds: 60 });
    const b = await signAccessToken(keyring, { sub: 's', role: 'wallet' }, { issuer: 'i', audience: 'a', ttlSeconds: 60 });
    expect(a.jti).not.toBe(b.jti);
  });
});
