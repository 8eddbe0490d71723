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
 * Who starts a session: a wallet sign-in or the admin login, and for the latter the fingerprint of
 * its credential (admin-credential.ts), which every refresh re-checks.
 */
export interface SessionOrigin {
  kind: 'wallet' | 'admin';
  credential?: string;
}

export type StartSession = (claims: SessionClaims, origin: SessionOrigin) => Promise<TokenPair>;

/**
 * Starts a session: a new refresh-token family and its first token, plus an access token.
 * The access token is signed first so that a missing key (503) leaves nothing behind in the store.
 * The family's end is fixed here, once: `refresh_token_expire_days` after this sign-in. Rotation
 * never extends it, and its mint-audit record ends at that same second.
 */
export function sessionStarter(deps: PairDeps): StartSession {
  const { config, clock, stores, events } = deps;
  const sign = accessTokenSigner(deps);
  const refreshTtl = config.refreshTokenExpireDays * 86_400;
  return async (claims, origin) => {
    const access = await sign(claims);
    const familyId = newFamilyId();
    const { token, hash } = newRefreshToken(familyId);
    const issuedAt = epochSeconds(clock);
    const expiresAt = issuedAt + refreshTtl;
    await stores.refreshTokens.create(familyId, hash, claims, { expiresAt, ...(origin.credential ? { credential: origin.credential } : {}) });
    events.emit('tokenIssued', 'access');
    events.emit('tokenIssued', 'refresh');
    events.emit('sessionStarted', { kind: origin.kind, id: familyId, claims, issuedAt, expiresAt });
    return { access, refreshToken: token, claims };
  };
}

/** Throws 503 `keys_unavailable` while no signing key is loaded (before any store is touched). */
export function requireKeys(deps: Pick<SessionDeps, 'keys'>): void {
  if (!deps.keys.keyring) throw new AuthError('keys_unavailable');
}
