import { epochSeconds } from '../clock.js';
import { AuthError } from '../errors/index.js';
import type { SessionClaims } from '../stores/types.js';
import { signAccessToken, type IssuedAccessToken } from '../tokens/access-token.js';
import { newFamilyId, newRefreshToken } from '../tokens/refresh-token.js';
import type { SessionDeps } from './deps.js';

/** What starting or rotating a session yields: the two tokens and the claims they carry. */
export interface TokenPair {
  access: IssuedAccessToken;
  refreshToken: string;
  claims: SessionClaims;
}

/** The contract's reply to /sign-in, /login and /refresh: the one place it is built. */
export interface TokenPairBody {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  address?: string;
  algorithm?: string;
}

export function tokenPairBody(pair: TokenPair): TokenPairBody {
  const body: TokenPairBody = { access_token: pair.access.token, refresh_token: pair.refreshToken, token_type: 'Bearer', expires_in: pair.access.expiresIn };
  if (pair.claims.wallet_address) body.address = pair.claims.wallet_address;
  if (pair.claims.algorithm) body.algorithm = pair.claims.algorithm;
  return body;
}

type PairDeps = Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'stores' | 'events'>;

/** Signs access tokens with the configured issuer, audience and lifetime, at the injected clock's time. */
export function accessTokenSigner({ config, clock, keys }: Pick<SessionDeps, 'config' | 'clock' | 'keys'>) {
  const ttlSeconds = config.accessTokenExpireMinutes * 60;
  return (claims: SessionClaims) => signAccessToken(keys.keyring, claims, { issuer: config.issuer, audience: config.audience, ttlSeconds }, epochSeconds(clock));
}

/**
 * Starts a session: a new refresh-token family and its first token, plus an access token.
 * The access token is signed first so that a missing key (503) leaves nothing behind in the store.
 */
export function sessionStarter(deps: PairDeps): (claims: SessionClaims) => Promise<TokenPair> {
  const { config, clock, stores, events } = deps;
  const sign = accessTokenSigner(deps);
  const refreshTtl = config.refreshTokenExpireDays * 86_400;
  return async (claims) => {
    const access = await sign(claims);
    const familyId = newFamilyId();
    const { token, hash } = newRefreshToken(familyId);
    await stores.refreshTokens.create(familyId, hash, claims, refreshTtl);
    events.emit('tokenIssued', 'access');
    events.emit('tokenIssued', 'refresh');
    const issuedAt = epochSeconds(clock);
    events.emit('sessionStarted', { kind: 'refresh', id: familyId, claims, issuedAt, expiresAt: issuedAt + refreshTtl });
    return { access, refreshToken: token, claims };
  };
}

/** Throws 503 `keys_unavailable` while no signing key is loaded (before any store is touched). */
export function requireKeys(deps: Pick<SessionDeps, 'keys'>): void {
  if (!deps.keys.keyring) throw new AuthError('keys_unavailable');
}
