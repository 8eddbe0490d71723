import { EventEmitter } from 'node:events';
import type { MintKind, SessionClaims } from './stores/types.js';

/**
 * Domain events the sessions service (and the rate limiter) emit. Metrics and the audit subscribe
 * here instead of being woven into the service or the routes. Labels are low-cardinality by
 * construction (no addresses, no jtis); the session events carry ids for the audit only.
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
export type RefreshOutcome = 'rotated' | 'replayed' | 'reused' | 'superseded' | 'credential_changed' | 'expired' | 'invalid';
export type LoginOutcome = 'success' | 'bad_credentials' | 'disabled' | 'rate_limited' | 'unavailable' | 'error';
export type TokenKind = 'access' | 'refresh' | 'service';
export type AuditOperation = 'add' | 'remove';

/** A long-lived credential was minted: a refresh family (a wallet sign-in, the admin login) or a service token. */
export interface StartedSession {
  kind: MintKind;
  /** The refresh family id, or the service token's jti. */
  id: string;
  claims: SessionClaims;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface ServiceEventMap {
  challengeIssued: [];
  signIn: [algorithm: string, outcome: SignInOutcome];
  tokenIssued: [kind: TokenKind];
  refresh: [outcome: RefreshOutcome];
  login: [outcome: LoginOutcome];
  /** An operator revoked a token or a refresh family (POST /revoke; not repeated for an idempotent retry). */
  revocation: [];
  rateLimited: [limiter: string];
  /** The service port refused a connection: the connection cap was reached. */
  connectionDropped: [];
  /** A request past a slowdown limit's budget was delayed (not refused). */
  rateDelayed: [limiter: string];
  sessionStarted: [session: StartedSession];
  /**
   * A credential ended before its expiry: revoked by an operator, its family killed by reuse
   * detection, or an admin family whose credential (login off, new password) is no longer configured.
   */
  sessionEnded: [session: { id: string; reason: 'revoked' | 'reused' | 'credential_changed' }];
  /** The audit could not write (best effort: the credential or revocation itself stands). */
  auditFailed: [operation: AuditOperation];
}

export class ServiceEvents extends EventEmitter<ServiceEventMap> {}
