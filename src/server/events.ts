import { EventEmitter } from 'node:events';
import type { SessionClaims } from './stores/types.js';

/**
 * Domain events the routes emit. Metrics, logs and the mint audit subscribe here instead of being
 * woven into the routes. Labels are low-cardinality by construction (no addresses, no jtis).
 */
export type SignInOutcome =
  | 'success'
  | 'bad_signature'
  | 'bad_challenge'
  | 'address_mismatch'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_request'
  | 'error';
export type RefreshOutcome = 'rotated' | 'reused' | 'expired' | 'invalid';
export type LoginOutcome = 'success' | 'bad_credentials' | 'disabled' | 'rate_limited' | 'unavailable' | 'error';
export type TokenKind = 'access' | 'refresh' | 'service';

export interface ServiceEventMap {
  challengeIssued: [];
  signIn: [algorithm: string, outcome: SignInOutcome];
  tokenIssued: [kind: TokenKind];
  refresh: [outcome: RefreshOutcome];
  login: [outcome: LoginOutcome];
  revocation: [];
  rateLimited: [limiter: string];
  /** A request past a slowdown limit's budget was delayed (not refused). */
  rateDelayed: [limiter: string];
  /** A long-lived credential was minted (refresh family or service token), for the mint audit. */
  /** `kind` 'service' (a service token: `familyId` is its jti); absent or 'refresh' for a refresh family. */
  sessionStarted: [session: { familyId: string; claims: SessionClaims; expiresAt: number; kind?: 'refresh' | 'service' }];
}

export class ServiceEvents extends EventEmitter<ServiceEventMap> {}
