import { sign, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../keys/index.js';

/**
 * A compact JWS signed with node:crypto, synchronously: the same bytes jose's `SignJWT` /
 * `CompactSign` produce for the same header and payload objects (RS256 and EdDSA signatures are
 * deterministic: test/server/tokens/jws.test.ts compares them byte for byte; ES256 signatures are
 * random, so they are checked by verification). jose signs through WebCrypto, a job on the thread
 * pool per token that cost the sign-in 1.5-2.7x the signature itself (bench/PROFILING.md); jose
 * still verifies tokens and exports the JWKS.
 */
export function signCompactJws(header: Record<string, unknown>, payload: Record<string, unknown>, alg: SigningAlgorithm, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const data = Buffer.from(input);
  const signature =
    alg === 'EdDSA' ? sign(null, data, key) : alg === 'ES256' ? sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, key);
  return `${input}.${signature.toString('base64url')}`;
}
