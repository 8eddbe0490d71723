import { AuthError } from '../errors/index.js';
import { newRefreshToken, parseRefreshToken } from '../tokens/refresh-token.js';
import type { SessionDeps } from './deps.js';
import { accessTokenSigner, requireKeys, type TokenPair } from './token-pair.js';

/**
 * Rotation: spends the presented refresh token and returns a new pair. A spent token presented
 * again revokes its whole family (reuse detection). Every presentation emits one `refresh` outcome.
 */
export function refresher(deps: Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'stores' | 'events'>): (refreshToken: string) => Promise<TokenPair> {
  const { stores, events } = deps;
  const sign = accessTokenSigner(deps);
  const ttl = deps.config.refreshTokenExpireDays * 86_400;
  const invalid = () => new AuthError('invalid_refresh_token');
  return async (refreshToken) => {
    const parts = parseRefreshToken(refreshToken);
    if (!parts) {
      events.emit('refresh', 'invalid');
      throw invalid();
    }
    // With no key loaded the request fails (503) before the presented token is spent.
    requireKeys(deps);
    const next = newRefreshToken(parts.familyId);
    const result = await stores.refreshTokens.rotate(parts.familyId, parts.hash, next.hash, ttl);
    switch (result.outcome) {
      case 'reused':
        events.emit('refresh', 'reused');
        events.emit('sessionEnded', { id: parts.familyId, reason: 'reused' });
        throw new AuthError('refresh_token_reused');
      case 'expired':
      case 'invalid':
        events.emit('refresh', result.outcome);
        throw invalid();
    }
    const access = await sign(result.claims);
    events.emit('refresh', 'rotated');
    events.emit('tokenIssued', 'access');
    events.emit('tokenIssued', 'refresh');
    return { access, refreshToken: next.token, claims: result.claims };
  };
}
