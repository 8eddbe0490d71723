import type { Clock } from '../clock.js';
import type { AuthConfig } from '../config/index.js';
import type { ServiceEvents } from '../events.js';
import type { Keyring } from '../keys/index.js';
import type { Stores } from '../stores/types.js';
import type { WalletVerifiers } from '../wallets/index.js';
import type { AdminCredential } from './admin-credential.js';

/** Where the serving keyring is read (the KeyManager); undefined until a key is loaded. */
export interface KeySource {
  readonly keyring: Keyring | undefined;
}

/** The settings the sessions service reads. */
export type SessionSettings = Pick<
  AuthConfig,
  | 'issuer'
  | 'audience'
  | 'accessTokenExpireMinutes'
  | 'refreshTokenExpireDays'
  | 'refreshGraceSeconds'
  | 'challengeTtlSeconds'
  | 'challengeMaxOutstanding'
  | 'fleetSecret'
  | 'fleetRoles'
  | 'fleetMaxTtlSeconds'
>;

/** Everything the sessions service depends on, and nothing else (no Express, no Redis client, no logger). */
export interface SessionDeps {
  config: SessionSettings;
  clock: Clock;
  keys: KeySource;
  stores: Pick<Stores, 'challenges' | 'refreshTokens' | 'revocations'>;
  wallets: WalletVerifiers;
  events: ServiceEvents;
  /** The admin login (hash and decoy), prepared at start; undefined when the login is off. */
  adminCredential?: AdminCredential;
}
