import { randomBytes } from 'node:crypto';
import { hashPassword, isPasswordHash, parsePasswordHash } from '../../lib/password.js';
import type { AuthConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** The configured admin login, ready to check: its hash and a decoy hash of the same cost. */
export interface AdminCredential {
  email: string;
  passwordHash: string;
  role: string;
  /**
   * A hash of a random password with the real hash's parameters: a wrong e-mail is checked against
   * it, so it costs the same scrypt run as a wrong password. Built at start, because building it on
   * the first wrong e-mail made that one answer take a hash longer (592 ms instead of 235 ms).
   */
  decoyHash: string;
}

type AdminSettings = Pick<AuthConfig, 'adminEmail' | 'adminPasswordHash' | 'adminRole'>;

/**
 * Checks the admin settings at once (a malformed hash throws ConfigError synchronously, before
 * anything is opened) and returns the promise of the ready credential, or of undefined when the
 * login is off (the e-mail or the hash unset).
 */
export function prepareAdminCredential(config: AdminSettings): Promise<AdminCredential | undefined> {
  const { adminEmail: email, adminPasswordHash: passwordHash, adminRole: role } = config;
  if (!email || !passwordHash) return Promise.resolve(undefined);
  if (!isPasswordHash(passwordHash)) {
    throw new ConfigError(['AUTH_ADMIN_PASSWORD_HASH (serverAuth.adminPasswordHash): not a hash string this service can verify; make one with `pico-auth-keys hash-password`.']);
  }
  return hashPassword(randomBytes(16).toString('hex'), parsePasswordHash(passwordHash)).then((decoyHash) => ({ email, passwordHash, role, decoyHash }));
}
