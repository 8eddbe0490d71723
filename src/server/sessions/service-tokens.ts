import { epochSeconds } from '../clock.js';
import { AuthError } from '../errors/index.js';
import type { SessionClaims } from '../stores/types.js';
import { signAccessToken, type IssuedAccessToken } from '../tokens/access-token.js';
import type { SessionDeps } from './deps.js';

/**
 * Service identities live in their own namespace: `sub` is `service:` + agent_id. A wallet address
 * (hex, `0x…`, `mldsa65-…`) never contains `:`, and neither does an e-mail the login accepts, so
 * whoever holds the fleet secret cannot mint a token whose `sub` is a wallet's or a user's.
 * The `kind: "service"` claim says the same for APIs that read claims (src/client identityOf).
 */
export const SERVICE_SUB_PREFIX = 'service:';

/** Default service-token lifetime when the request names none, in seconds (before the cap). */
const DEFAULT_TTL_SECONDS = 3600;

export interface ServiceTokenRequest {
  sessionId: string;
  agentId: string;
  role: string;
  ttlSeconds?: number;
  scopes: string[];
}

/**
 * Service tokens for agents (the caller has proven the fleet secret). The role must be one of
 * `AUTH_FLEET_ROLES` (default `agent` only: the secret's holder cannot mint `operator` tokens) and
 * the lifetime is capped by `AUTH_FLEET_MAX_TTL_SECONDS`. No refresh token: the mint audit records the jti.
 */
export function serviceTokenMinter({ config, clock, keys, events }: Pick<SessionDeps, 'config' | 'clock' | 'keys' | 'events'>) {
  const { fleetRoles, fleetMaxTtlSeconds, issuer, audience } = config;
  return async (request: ServiceTokenRequest): Promise<IssuedAccessToken & { sub: string }> => {
    if (!fleetRoles.includes(request.role)) {
      throw new AuthError('role_not_allowed', `Service tokens may carry only these roles: ${fleetRoles.join(', ')}.`);
    }
    const ttlSeconds = Math.min(request.ttlSeconds ?? DEFAULT_TTL_SECONDS, fleetMaxTtlSeconds);
    const sub = `${SERVICE_SUB_PREFIX}${request.agentId}`;
    const claims: SessionClaims & { session_id: string; kind: 'service' } = { sub, kind: 'service', role: request.role, scopes: request.scopes, session_id: request.sessionId };
    const now = epochSeconds(clock);
    const issued = await signAccessToken(keys.keyring, claims, { issuer, audience, ttlSeconds }, now);
    events.emit('tokenIssued', 'service');
    events.emit('sessionStarted', { kind: 'service', id: issued.jti, claims, issuedAt: now, expiresAt: issued.exp });
    return { ...issued, sub };
  };
}
