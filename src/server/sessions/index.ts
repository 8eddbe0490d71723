import type { RevocationPage, RevocationQuery, RevocationRecord } from '../stores/types.js';
import type { AccessClaims } from '../tokens/verify-access-token.js';
import type { IssuedAccessToken } from '../tokens/access-token.js';
import { callerAuthenticator } from './callers.js';
import type { SessionDeps } from './deps.js';
import { adminLogin } from './login.js';
import { refresher } from './refresh.js';
import { revoker, type RevokedFamily, type RevokeTokenRequest } from './revoke.js';
import { serviceTokenMinter, type ServiceTokenRequest } from './service-tokens.js';
import { challengeIssuer, walletSignIn, type IssuedChallenge } from './sign-in.js';
import { sessionStarter, type TokenPair } from './token-pair.js';

export type { KeySource, SessionDeps, SessionSettings } from './deps.js';
export { prepareAdminCredential, type AdminCredential } from './admin-credential.js';
export type { IssuedChallenge } from './sign-in.js';
export type { RevokedFamily, RevokeTokenRequest } from './revoke.js';
export type { ServiceTokenRequest } from './service-tokens.js';
export { tokenPairBody, type TokenPair, type TokenPairBody } from './token-pair.js';

/**
 * The sessions service: every business rule of issuing, rotating and ending credentials, behind
 * narrow dependencies (settings, clock, keyring, the three session stores, wallet verifiers,
 * events). Routes parse the request, call one method and answer; they never touch a store.
 * Metrics and the mint audit follow the events it emits.
 */
export interface SessionService {
  /** A fresh challenge for an address (canonicalised here; 400 `invalid_address`), asked by `client`. */
  issueChallenge(address: string, client: string): Promise<IssuedChallenge>;
  /** Wallet sign-in from the JSON body (its verifier parses it), asked by `client` (as for issueChallenge): a new session. */
  signIn(body: Record<string, unknown>, client?: string): Promise<TokenPair>;
  /** The admin bootstrap login from the JSON body: a new session with the admin role. */
  login(body: unknown): Promise<TokenPair>;
  /** Rotates a refresh token: a new pair, the old token spent. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** Denylists an access or service token's jti (idempotent: the original record on a retry). */
  revokeToken(request: RevokeTokenRequest): Promise<{ record: RevocationRecord; created: boolean }>;
  /** Revokes every refresh token of one sign-in. */
  revokeFamily(request: { family: string; reason: string | null; revokedBy: string }): Promise<RevokedFamily>;
  /** A service token for an agent. */
  mintServiceToken(request: ServiceTokenRequest): Promise<IssuedAccessToken & { sub: string }>;
  /**
   * Verifies a bearer token of ours, not revoked, with one of `roles`. `reuseVerified` (a route a
   * caller pages through): a token verified before is not verified again (same outcome; see callers.ts).
   */
  authenticate(token: string, roles: readonly string[], options?: { reuseVerified?: boolean }): Promise<AccessClaims>;
  /** One page of the live denylist (see RevocationStore.list); `items: null` when `ifVersion` is current. */
  revocations(query: RevocationQuery, ifVersion?: string): Promise<RevocationPage>;
}

export function createSessionService(deps: SessionDeps): SessionService {
  const start = sessionStarter(deps);
  const revoke = revoker(deps);
  return {
    issueChallenge: challengeIssuer(deps),
    signIn: walletSignIn(deps, start),
    login: adminLogin(deps, start),
    refresh: refresher(deps),
    revokeToken: revoke.token,
    revokeFamily: revoke.family,
    mintServiceToken: serviceTokenMinter(deps),
    authenticate: callerAuthenticator(deps),
    revocations: (query, ifVersion) => deps.stores.revocations.list(query, ifVersion),
  };
}
