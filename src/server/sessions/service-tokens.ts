import { epochSeconds } from '../clock.js';
import { AuthError } from '../errors/index.js';
import type { SessionClaims } from '../stores/types.js';
import { signAccessToken, type IssuedAccessToken } from '../tokens/access-token.js';
import type { SessionDeps } from './deps.js';

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
  return async (request: ServiceTokenRequest): Promise<IssuedAccessToken> => {
    if (!fleetRoles.includes(request.role)) {
      throw new AuthError('role_not_allowed', `Service tokens may carry only these roles: ${fleetRoles.join(', ')}.`);
    }
    const ttlSeconds = Math.min(request.ttlSeconds ?? DEFAULT_TTL_SECONDS, fleetMaxTtlSeconds);
    const claims: SessionClaims & { session_id: string } = { sub: request.agentId, role: request.role, scopes: request.scopes, session_id: request.sessionId };
    const now = epochSeconds(clock);
    const issued = await signAccessToken(keys.keyring, claims, { issuer, audience, ttlSeconds }, now);
    events.emit('tokenIssued', 'service');
    events.emit('sessionStarted', { kind: 'service', id: issued.jti, claims, issuedAt: now, expiresAt: issued.exp });
    return issued;
  };
}
