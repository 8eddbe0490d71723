import { Router } from 'express';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { tokenPairBody } from '../sessions/index.js';
import type { RouteDeps } from './deps.js';

/**
 * POST /login: the admin bootstrap login (sessions/login.ts). The per-IP and per-email limits are
 * consumed before anything is checked.
 */
export function loginRoute({ sessions, limits, logger }: RouteDeps): Router {
  const router = Router();
  router.post('/login', noStore, ...jsonObjectBody, ...(limits.login ?? []), async (req, res) => {
    const pair = await sessions.login(req.body);
    logger.info({ role: pair.claims.role }, 'admin login');
    res.json(tokenPairBody(pair));
  });
  return router;
}
