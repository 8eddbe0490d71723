import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { AuthError } from '../errors/index.js';
import { SIGNING_ALGORITHMS, type KeyEntry, type Keyring } from '../keys/index.js';

/** The verified claims of one of our own access tokens. */
export interface AccessClaims extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
  role: string;
  scopes?: string[];
  groups?: string[];
}

export interface VerifyAccessTokenOptions {
  issuer: string;
  audience: string;
  /** Tolerated clock difference between replicas, in seconds. @default 5 */
  clockToleranceSeconds?: number;
  /** The time to check `exp` and `nbf` against (the service passes its clock). @default now */
  currentDate?: Date;
}

// Public keys derived once per key entry; entries are immutable and die with their keyring.
const publicKeys = new WeakMap<KeyEntry, KeyObject>();
function publicKeyOf(entry: KeyEntry): KeyObject {
  let key = publicKeys.get(entry);
  if (!key) publicKeys.set(entry, (key = createPublicKey(entry.privateKey)));
  return key;
}

/**
 * Verifies an access token against our own keyring, in process (never by fetching our own JWKS):
 * the key is chosen by `kid` among the published entries, the header `alg` must be on the explicit
 * allowlist and equal the key's own algorithm (no algorithm confusion), and `iss`, `aud`, `exp`,
 * `nbf` are checked by jose. Every failure is a 401 `invalid_token`.
 */
export async function verifyAccessToken(token: string, keyring: Keyring | undefined, options: VerifyAccessTokenOptions): Promise<AccessClaims> {
  if (!keyring) throw new AuthError('keys_unavailable');
  const resolveKey = (header: JWTHeaderParameters) => {
    const entry = keyring.entries.find((e) => e.kid === header.kid);
    if (!entry || entry.alg !== header.alg) throw new AuthError('invalid_token', 'The access token was not signed by a key of this service.');
    return publicKeyOf(entry);
  };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, resolveKey, {
      algorithms: [...SIGNING_ALGORITHMS],
      issuer: options.issuer,
      audience: options.audience,
      typ: 'JWT',
      requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      clockTolerance: options.clockToleranceSeconds ?? 5,
      currentDate: options.currentDate,
    }));
  } catch (err) {
    if (err instanceof AuthError) throw err;
    const expired = err instanceof joseErrors.JWTExpired;
    throw new AuthError(expired ? 'token_expired' : 'invalid_token');
  }
  if (typeof payload.role !== 'string' || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') {
    throw new AuthError('invalid_token', 'The access token carries no role.');
  }
  return payload as AccessClaims;
}
