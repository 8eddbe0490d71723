import { epochSeconds } from '../clock.js';
import type { RevocationRecord } from '../stores/types.js';
import type { SessionDeps } from './deps.js';

export interface RevokeTokenRequest {
  jti: string;
  /** The token's `exp` when the caller knows it: shortens the record's life, never lengthens it. */
  exp?: number;
  reason: string | null;
  /** `sub` of the operator. */
  revokedBy: string;
}

export interface RevokedFamily {
  family: string;
  revokedAt: number;
  reason: string | null;
  revokedBy: string;
}

/**
 * Revocation by an operator. A jti goes on the denylist until it would have expired anyway (we
 * cannot know the `exp` of an arbitrary jti, so: the longest life a token of ours may still have,
 * the access-token lifetime or the service-token cap when service tokens are on), idempotently:
 * revoking again returns the original record. A family revocation kills every refresh token of one
 * sign-in. Both emit `revocation` and `sessionEnded` (the audit forgets the credential).
 */
export function revoker({ config, clock, stores, events }: Pick<SessionDeps, 'config' | 'clock' | 'stores' | 'events'>) {
  const longestLife = Math.max(config.accessTokenExpireMinutes * 60, config.fleetSecret ? config.fleetMaxTtlSeconds : 0);
  return {
    async token(request: RevokeTokenRequest): Promise<{ record: RevocationRecord; created: boolean }> {
      const now = epochSeconds(clock);
      const exp = Math.min(now + longestLife, Math.max(now + 1, request.exp ?? Number.MAX_SAFE_INTEGER));
      const { record, created } = await stores.revocations.revoke({ jti: request.jti, revokedAt: now, exp, reason: request.reason, revokedBy: request.revokedBy });
      if (created) {
        events.emit('revocation');
        events.emit('sessionEnded', { id: record.jti, reason: 'revoked' });
      }
      return { record, created };
    },

    async family(request: { family: string; reason: string | null; revokedBy: string }): Promise<RevokedFamily> {
      await stores.refreshTokens.revokeFamily(request.family);
      events.emit('revocation');
      events.emit('sessionEnded', { id: request.family, reason: 'revoked' });
      return { ...request, revokedAt: epochSeconds(clock) };
    },
  };
}
