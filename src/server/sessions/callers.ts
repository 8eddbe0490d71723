import { AuthError } from '../errors/index.js';
import { verifyAccessToken, type AccessClaims } from '../tokens/verify-access-token.js';
import type { SessionDeps } from './deps.js';

/**
 * Who calls an operator endpoint: a valid access token of this service (verified in process against
 * our keyring, at the injected clock's time), not revoked (a revoked operator token cannot act),
 * whose `role` is one of `roles`. 401 without a valid token, 403 with the wrong role, 503 when the
 * revocation store is down.
 */
export function callerAuthenticator({ config, clock, keys, stores }: Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'stores'>) {
  const { issuer, audience } = config;
  return async (token: string, roles: readonly string[]): Promise<AccessClaims> => {
    const claims = await verifyAccessToken(token, keys.keyring, { issuer, audience, currentDate: new Date(clock.now()) });
    if (await stores.revocations.isRevoked(claims.jti)) throw new AuthError('token_revoked');
    if (!roles.includes(claims.role)) {
      throw new AuthError('insufficient_role', `This endpoint needs role ${roles.map((r) => `\`${r}\``).join(' or ')}.`);
    }
    return claims;
  };
}
