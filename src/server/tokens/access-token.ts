import { epochSeconds, systemClock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { AuthError } from '../errors/index.js';
import type { Keyring } from '../keys/index.js';
import type { SessionClaims } from '../stores/types.js';

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
  const token = await new SignJWT(rest as Record<string, unknown>)
    .setProtectedHeader({ alg: active.alg, kid: active.kid, typ: 'JWT' })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(sub)
    .setIssuedAt(nowSeconds)
    .setNotBefore(nowSeconds)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(active.privateKey);
  return { token, jti, exp, expiresIn: settings.ttlSeconds };
}
