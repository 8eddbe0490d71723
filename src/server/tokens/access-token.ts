import { epochSeconds, systemClock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import { AuthError } from '../errors/index.js';
import type { Keyring } from '../keys/index.js';
import type { SessionClaims } from '../stores/types.js';
import { signCompactJws } from './jws.js';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Epoch seconds. */
  exp: number;
  expiresIn: number;
}

/**
 * Signs an access token with the keyring's active key: header `{alg, kid, typ: "JWT"}`, the
 * algorithm following the key type, a unique `jti`, and `nbf = iat`.
 */
export async function signAccessToken(
  keyring: Keyring | undefined,
  claims: SessionClaims,
  settings: AccessTokenSettings,
  nowSeconds = epochSeconds(systemClock),
): Promise<IssuedAccessToken> {
  if (!keyring) throw new AuthError('keys_unavailable');
  const { active } = keyring;
  const jti = randomUUID();
  const exp = nowSeconds + settings.ttlSeconds;
  const { sub, ...rest } = claims;
  // The claim order jose's SignJWT gives (its setters in this order), so the bytes are the same.
  const payload = { ...(rest as Record<string, unknown>), iss: settings.issuer, aud: settings.audience, sub, iat: nowSeconds, nbf: nowSeconds, exp, jti };
  const token = signCompactJws({ alg: active.alg, kid: active.kid, typ: 'JWT' }, payload, active.alg, active.privateKey);
  return { token, jti, exp, expiresIn: settings.ttlSeconds };
}
