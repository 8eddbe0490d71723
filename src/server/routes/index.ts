import type { Router } from 'express';
import { challengeRoute } from './challenge.js';
import { demoPageRoute } from './demo-page.js';
import type { RouteDeps } from './deps.js';
import { discoveryRoute } from './discovery.js';
import { fleetSessionsRoute } from './fleet-sessions.js';
import { loginRoute } from './login.js';
import { mintsRoute } from './mints.js';
import { refreshRoute } from './refresh.js';
import { revokeRoute } from './revoke.js';
import { revokedJtisRoute } from './revoked-jtis.js';
import { signInRoute } from './sign-in.js';

export type { Lifecycle, RouteDeps, RouteLimits } from './deps.js';
export { challengeHandlers } from './challenge.js';
export { signInHandlers } from './sign-in.js';

/** Every route under the base path `/api/v1/auth` (the JWKS is mounted by app.ts), one factory per endpoint file. */
export function authRoutes(deps: RouteDeps): Router[] {
  return [
    challengeRoute(deps),
    signInRoute(deps),
    refreshRoute(deps),
    loginRoute(deps),
    revokeRoute(deps),
    revokedJtisRoute(deps),
    fleetSessionsRoute(deps),
    mintsRoute(deps),
  ];
}

/** Routes at the root (outside the base path), e.g. discovery. */
export function rootRoutes(deps: RouteDeps): Router[] {
  return [discoveryRoute(deps), ...(deps.config.demoPage ? [demoPageRoute(deps)] : [])];
}
