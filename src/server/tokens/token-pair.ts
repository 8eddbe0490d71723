import type { ServiceContext } from '../context.js';
import type { SessionClaims } from '../stores/types.js';
import { signAccessToken } from './access-token.js';
import { newFamilyId, newRefreshToken } from './refresh-token.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Access-token lifetime and signing settings, from the configuration. */
export function accessSettings(ctx: ServiceContext) {
  const { issuer, audience, accessTokenExpireMinutes } = ctx.config;
  return { issuer, audience, ttlSeconds: accessTokenExpireMinutes * 60 };
}

export function refreshTtlSeconds(ctx: ServiceContext): number {
  return ctx.config.refreshTokenExpireDays * 86_400;
}

/**
 * Starts a session: a new refresh-token family and its first token, plus an access token.
 * The access token is signed first so that a missing key (503) leaves nothing behind in the store.
 * The family's end is fixed here, once: `refresh_token_expire_days` after this sign-in; its
 * refresh tokens and its mint-audit record end at that same second.
 * `kind`: who started it (a wallet sign-in or the admin login); `credential`: the fingerprint a
 * refresh re-checks (auth/admin-credential.ts).
 */
export async function startSession(ctx: ServiceContext, claims: SessionClaims, origin: { kind: 'wallet' | 'admin'; credential?: string }): Promise<TokenPair> {
  const access = await signAccessToken(ctx.keys.keyring, claims, accessSettings(ctx));
  const familyId = newFamilyId();
  const { token, hash } = newRefreshToken(familyId);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + refreshTtlSeconds(ctx);
  await ctx.stores.refreshTokens.create(familyId, hash, claims, { expiresAt, ...(origin.credential ? { credential: origin.credential } : {}) });
  ctx.events.emit('tokenIssued', 'access');
  ctx.events.emit('tokenIssued', 'refresh');
  ctx.events.emit('sessionStarted', { familyId, claims, issuedAt, expiresAt, kind: origin.kind });
  return { access_token: access.token, refresh_token: token, token_type: 'Bearer', expires_in: access.expiresIn };
}
