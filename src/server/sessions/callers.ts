import { epochSeconds } from '../clock.js';
import { AuthError } from '../errors/index.js';
import { verifyAccessToken, type AccessClaims } from '../tokens/verify-access-token.js';
import type { SessionDeps } from './deps.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Tolerated clock difference between replicas (seconds), for the verification and its reuse alike. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Who calls an operator endpoint: a valid access token of this service (verified in process against
 * our keyring, at the injected clock's time), not revoked (a revoked operator token cannot act),
 * whose `role` is one of `roles`. 401 without a valid token, 403 with the wrong role, 503 when the
 * revocation store is down. With `reuseVerified` (a route a caller pages through), a token verified
 * before against the same keyring is not verified again (VerifiedTokens: same outcome); revocation
 * and role are checked on every request all the same.
 */
export function callerAuthenticator({ config, clock, keys, stores }: Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'stores'>) {
  const { issuer, audience } = config;
  const verified = new VerifiedTokens();
  const verify = async (token: string, reuseVerified: boolean): Promise<AccessClaims> => {
    const keyring = keys.keyring;
    const hit = reuseVerified && keyring ? verified.get(token, keyring, epochSeconds(clock), CLOCK_TOLERANCE_SECONDS) : undefined;
    if (hit) return hit;
    const claims = await verifyAccessToken(token, keyring, { issuer, audience, clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS, currentDate: new Date(clock.now()) });
    if (reuseVerified && keyring) verified.set(token, keyring, claims);
    return claims;
  };
  return async (token: string, roles: readonly string[], options: { reuseVerified?: boolean } = {}): Promise<AccessClaims> => {
    const claims = await verify(token, options.reuseVerified === true);
    if (await stores.revocations.isRevoked(claims.jti)) throw new AuthError('token_revoked');
    if (!roles.includes(claims.role)) {
      throw new AuthError('insufficient_role', `This endpoint needs role ${roles.map((r) => `\`${r}\``).join(' or ')}.`);
    }
    return claims;
  };
}
