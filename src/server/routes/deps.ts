import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { MintAudit } from '../audit/mint-audit.js';
import type { AuthConfig } from '../config/index.js';
import type { KeySource, SessionService } from '../sessions/index.js';
import type { StoreHealth } from '../stores/types.js';

/** Rate-limit middleware per limited route (run after the JSON body is parsed). */
export type RouteLimits = Partial<Record<'challenge' | 'signIn' | 'login' | 'refresh' | 'fleet', RequestHandler[]>>;

/** Set on SIGTERM: readiness fails, responses close their connections. */
export interface Lifecycle {
  readonly shuttingDown: boolean;
  /**
   * While shutting down: whether the request came on a connection that was open before the shutdown
   * began (the service's own listener knows; a server an embedder runs does not: always false).
   */
  openedBeforeShutdown(req: IncomingMessage): boolean;
}

/**
 * What the route factories get, built once per service (internal: not part of the package API).
 * Routes reach sessions through the service and the audit through its module; the only store
 * detail they see is the backend's health, for /readyz.
 */
export interface RouteDeps {
  config: AuthConfig;
  logger: Logger;
  keys: KeySource;
  sessions: SessionService;
  audit: MintAudit;
  limits: RouteLimits;
  lifecycle: Lifecycle;
  storeHealth: StoreHealth;
}
