import { Router } from 'express';
import { z } from 'zod';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { parseBody } from '../parse-body.js';
import { tokenPairBody } from '../sessions/index.js';
import type { RouteDeps } from './deps.js';

const Body = z.object({ refresh_token: z.string().min(1).max(4096) });

/** POST /refresh: a new pair for a live refresh token (rotation; reuse revokes the family). */
export function refreshRoute({ sessions, limits }: RouteDeps): Router {
  const router = Router();
  router.post('/refresh', noStore, ...jsonObjectBody, ...(limits.refresh ?? []), async (req, res) => {
    const { refresh_token } = parseBody(Body, req.body);
    res.json(tokenPairBody(await sessions.refresh(refresh_token)));
  });
  return router;
}
