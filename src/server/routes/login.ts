import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { constantTimeEqual } from '../../lib/constant-time.js';
import { hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from '../../lib/password.js';
import type { ServiceContext } from '../context.js';
import { AuthError, ConfigError, ForbiddenError, UnauthorizedError } from '../errors.js';
import type { LoginOutcome } from '../events.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { parseBody } from '../middleware/validate.js';
import { startSession } from '../tokens/token-pair.js';
import { adminCredential } from '../auth/admin-credential.js';

const Body = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

/**
 * POST /login: the admin bootstrap login, off unless both `AUTH_ADMIN_EMAIL` and
 * `AUTH_ADMIN_PASSWORD_HASH` are set. The per-IP and per-email limits (ctx.limits.login) are
 * consumed before anything is checked. A wrong e-mail costs the same scrypt run as a wrong
 * password (against a decoy hash) and gets the identical answer, so neither timing nor body tells
 * which one was wrong.
 */
export function loginRoute(ctx: ServiceContext): Router {
  const router = Router();
  const { adminEmail, adminPasswordHash, adminRole } = ctx.config;
  const enabled = Boolean(adminEmail && adminPasswordHash);
  if (enabled && !isPasswordHash(adminPasswordHash!)) {
    throw new ConfigError(['AUTH_ADMIN_PASSWORD_HASH (serverAuth.adminPasswordHash): not a hash string this service can verify; make one with `pico-auth-keys hash-password`.']);
  }
  // Same parameters as the real hash, so a wrong e-mail takes as long as a wrong password.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex'), parsePasswordHash(adminPasswordHash!)));

  router.post('/login', noStore, ...jsonObjectBody, ...(ctx.limits?.login ?? []), async (req, res) => {
    try {
      if (!enabled) throw new ForbiddenError('Password login is disabled on this service.', 'password_login_disabled');
      const { email, password } = parseBody(Body, req.body);
      const emailMatches = constantTimeEqual(email.trim().toLowerCase(), adminEmail!.toLowerCase());
      const passwordMatches = await verifyPassword(password, emailMatches ? adminPasswordHash! : await decoyHash());
      if (!(emailMatches && passwordMatches)) throw new UnauthorizedError('Wrong e-mail or password.', 'invalid_credentials');
      const pair = await startSession(ctx, { sub: adminEmail!, role: adminRole }, { kind: 'admin', credential: adminCredential(ctx.config) });
      ctx.events.emit('login', 'success');
      ctx.logger.info({ role: adminRole }, 'admin login');
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
