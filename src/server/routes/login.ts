import { Router } from 'express';
import { z } from 'zod';
import { constantTimeEqual } from '../../lib/constant-time.js';
import { verifyPassword } from '../../lib/password.js';
import type { ServiceContext } from '../context.js';
import { AuthError, ForbiddenError, UnauthorizedError } from '../errors.js';
import type { LoginOutcome } from '../events.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../middleware/validate.js';
import { startSession } from '../tokens/token-pair.js';

const Body = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

/**
 * POST /login: the admin bootstrap login, off unless both `AUTH_ADMIN_EMAIL` and
 * `AUTH_ADMIN_PASSWORD_HASH` are set (ctx.adminCredential, prepared at start). The per-IP and per-email limits (ctx.limits.login) are
 * consumed before anything is checked. A wrong e-mail costs the same scrypt run as a wrong
 * password (against a decoy hash) and gets the identical answer, so neither timing nor body tells
 * which one was wrong.
 */
export function loginRoute(ctx: ServiceContext): Router {
  const router = Router();
  const admin = ctx.adminCredential;

  router.post('/login', ...jsonObjectBody, ...(ctx.limits?.login ?? []), async (req, res) => {
    try {
      if (!admin) throw new ForbiddenError('Password login is disabled on this service.', 'password_login_disabled');
      const { email, password } = parseBody(Body, req.body);
      const emailMatches = constantTimeEqual(email.trim().toLowerCase(), admin.email.toLowerCase());
      // A wrong e-mail runs the same scrypt against the decoy (same parameters), so it takes as long.
      const passwordMatches = await verifyPassword(password, emailMatches ? admin.passwordHash : admin.decoyHash);
      if (!(emailMatches && passwordMatches)) throw new UnauthorizedError('Wrong e-mail or password.', 'invalid_credentials');
      const pair = await startSession(ctx, { sub: admin.email, role: admin.role });
      ctx.events.emit('login', 'success');
      ctx.logger.info({ role: admin.role }, 'admin login');
      res.json(pair);
    } catch (err) {
      ctx.events.emit('login', outcomeOf(err));
      throw err;
    }
  });
  return router;
}

function outcomeOf(err: unknown): LoginOutcome {
  if (!(err instanceof AuthError)) return 'error';
  if (err.code === 'password_login_disabled') return 'disabled';
  if (err.status === 401) return 'bad_credentials';
  if (err.status === 429) return 'rate_limited';
  if (err.status === 503) return 'unavailable';
  return 'error';
}
