import type { Router } from 'express';
import type { ServiceContext } from '../context.js';
import { challengeRoute } from './challenge.js';
import { refreshRoute } from './refresh.js';
import { signInRoute } from './sign-in.js';

/** Every route under the base path `/api/v1/auth`, one factory per endpoint file. */
export function authRoutes(ctx: ServiceContext): Router[] {
  return [challengeRoute(ctx), signInRoute(ctx), refreshRoute(ctx)];
}

/** Routes at the root (outside the base path), e.g. discovery. */
export function rootRoutes(_ctx: ServiceContext): Router[] {
  return [];
}
