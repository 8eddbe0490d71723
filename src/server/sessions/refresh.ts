import { AuthError } from '../errors/index.js';
import { parseRefreshToken, replayedToken, successorToken } from '../tokens/refresh-token.js';
import { adminCredentialFingerprint } from './admin-credential.js';
import type { SessionDeps } from './deps.js';
import { accessTokenSigner, requireKeys, type TokenPair } from './token-pair.js';

/**
 * Rotation: spends the presented refresh token and returns a new pair. A retry of the same token
 * within the grace window (`AUTH_REFRESH_GRACE_SECONDS`) is answered with the family's live
 * refresh token (the one the first exchange issued, derived again from the presented token and the
 * stored salts) and a fresh access token: it never revokes and never starts a second chain. A
 * spent token presented after the window revokes its whole family (reuse detection). A family the
 * admin login started is revoked once that credential is no longer the configured one. Every
 * presentation emits one `refresh` outcome.
 */
export function refresher(deps: Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'stores' | 'events' | 'adminCredential'>): (refreshToken: string) => Promise<TokenPair> {
  const { stores, events } = deps;
  const sign = accessTokenSigner(deps);
  const options = { graceMs: deps.config.refreshGraceSeconds * 1000, credential: adminCredentialFingerprint(deps.adminCredential) };
  return async (refreshToken) => {
    const parts = parseRefreshToken(refreshToken);
    if (!parts) {
      events.emit('refresh', 'invalid');
      throw new AuthError('invalid_refresh_token');
    }
    // With no key loaded the request fails (503) before the presented token is spent.
    requireKeys(deps);
    const next = successorToken(refreshToken);
    const result = await stores.refreshTokens.rotate(parts.familyId, parts.hash, next, options);
    events.emit('refresh', result.outcome);
    switch (result.outcome) {
      case 'reused':
        events.emit('sessionEnded', { id: parts.familyId, reason: 'reused' });
        throw new AuthError('refresh_token_reused');
      case 'credential_changed':
        events.emit('sessionEnded', { id: parts.familyId, reason: 'credential_changed' });
        throw new AuthError('credential_changed');
      case 'superseded':
        throw new AuthError('refresh_token_superseded');
      case 'expired':
      case 'invalid':
        throw new AuthError('invalid_refresh_token');
    }
    const access = await sign(result.claims);
    events.emit('tokenIssued', 'access');
    // A replay hands out the token the rotation already issued: one refresh token, counted once.
    if (result.outcome === 'rotated') events.emit('tokenIssued', 'refresh');
    const token = result.outcome === 'rotated' ? next.token : replayedToken(refreshToken, result.salts);
    return { access, refreshToken: token, claims: result.claims };
  };
}
