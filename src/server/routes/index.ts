import type { Router } from 'express';
import type { ServiceContext } from '../context.js';
import { challengeRoute } from './challenge.js';
import { demoPageRoute } from './demo-page.js';
import { discoveryRoute } from './discovery.js';
import { fleetSessionsRoute } from './fleet-sessions.js';
import { loginRoute } from './login.js';
import { mintsRoute } from './mints.js';
import { refreshRoute } from './refresh.js';
import { revokeRoute } from './revoke.js';
import { revokedJtisRoute } from './revoked-jtis.js';
import { signInRoute } from './sign-in.js';

/** Every route under the base path `/api/v1/auth`, one factory per endpoint file. */
export function authRoutes(ctx: ServiceContext): Router[] {
  return [
    challengeRoute(ctx),
    signInRoute(ctx),
    refreshRoute(ctx),
    loginRoute(ctx),
    revokeRoute(ctx),
    revokedJtisRoute(ctx),
    fleetSessionsRoute(ctx),
    mintsRoute(ctx),
  ];
}

/** Routes at the root (outside the base path), e.g. discovery. */
export function rootRoutes(ctx: ServiceContext): Router[] {
  return [discoveryRoute(ctx), ...(ctx.config.demoPage ? [demoPageRoute(ctx)] : [])];
}
