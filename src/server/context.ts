import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AdminCredential } from './auth/admin-credential.js';
import type { AuthConfig } from './config/index.js';
import type { ServiceEvents } from './events.js';
import type { KeyManager } from './keys/index.js';
import type { Stores } from './stores/types.js';
import type { createWalletVerifiers } from './wallets/index.js';

export type WalletRegistry = ReturnType<typeof createWalletVerifiers>;

/** Rate-limit middleware per limited route (run after the JSON body is parsed). */
export type RouteLimits = Partial<Record<'challenge' | 'signIn' | 'login' | 'refresh' | 'fleet', RequestHandler[]>>;

/** Everything a route needs, built once per service instance and passed to every route factory. */
export interface ServiceContext {
  config: AuthConfig;
  logger: Logger;
  keys: KeyManager;
  stores: Stores;
  wallets: WalletRegistry;
  events: ServiceEvents;
  /** Set on SIGTERM: readiness fails, responses close their connections. */
  lifecycle: { shuttingDown: boolean };
  /** The admin login (hash and decoy), built at start; undefined when the login is off. */
  adminCredential?: AdminCredential;
  /** Rate limits per route; empty until configured. */
  limits?: RouteLimits;
}
