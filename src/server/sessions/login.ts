import { z } from 'zod';
import { constantTimeEqual } from '../../lib/constant-time.js';
import { verifyPassword } from '../../lib/password.js';
import { AuthError, outcomeOf } from '../errors/index.js';
import type { LoginOutcome } from '../events.js';
import { parseBody } from '../parse-body.js';
import { adminCredentialFingerprint } from './admin-credential.js';
import type { SessionDeps } from './deps.js';
import type { StartSession, TokenPair } from './token-pair.js';

const Credentials = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
const LOGIN_OUTCOMES: readonly string[] = ['bad_credentials', 'disabled', 'rate_limited', 'unavailable'] satisfies LoginOutcome[];

/**
 * The admin bootstrap login, off unless both `AUTH_ADMIN_EMAIL` and `AUTH_ADMIN_PASSWORD_HASH`
 * are set (the credential, with its decoy hash, is prepared at start: admin-credential.ts). The
 * body is parsed here, after the enabled check, so that a disabled login answers 403 whatever the
 * body and every attempt counts in `logins_total`. A wrong e-mail costs the same scrypt run as a
 * wrong password (against the decoy) and gets the identical answer, so neither timing nor body
 * tells which one was wrong.
 */
export function adminLogin(deps: Pick<SessionDeps, 'adminCredential' | 'events'>, start: StartSession) {
  const { adminCredential: admin, events } = deps;
  return async (body: unknown): Promise<TokenPair> => {
    try {
      if (!admin) throw new AuthError('password_login_disabled');
      const { email, password } = parseBody(Credentials, body);
      const emailMatches = constantTimeEqual(email.trim().toLowerCase(), admin.email.toLowerCase());
      // A wrong e-mail runs the same scrypt against the decoy (same parameters), so it takes as long.
      const passwordMatches = await verifyPassword(password, emailMatches ? admin.passwordHash : admin.decoyHash);
      if (!(emailMatches && passwordMatches)) throw new AuthError('invalid_credentials');
      const pair = await start({ sub: admin.email, role: admin.role }, { kind: 'admin', credential: adminCredentialFingerprint(admin) });
      events.emit('login', 'success');
      return pair;
    } catch (err) {
      const outcome = outcomeOf(err);
      events.emit('login', LOGIN_OUTCOMES.includes(outcome) ? (outcome as LoginOutcome) : 'error');
      throw err;
    }
  };
}
