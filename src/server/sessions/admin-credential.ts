import { createHash, randomBytes } from 'node:crypto';
import { hashPassword, parsePasswordHash } from '../../lib/password.js';
import type { AuthConfig } from '../config/index.js';

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
 * The promise of the ready credential, or of undefined when the login is off (the e-mail or the
 * hash unset). The settings table has already refused a hash this service cannot verify.
 */
export function prepareAdminCredential(config: AdminSettings): Promise<AdminCredential | undefined> {
  const { adminEmail: email, adminPasswordHash: passwordHash, adminRole: role } = config;
  if (!email || !passwordHash) return Promise.resolve(undefined);
  return hashPassword(randomBytes(16).toString('hex'), parsePasswordHash(passwordHash)).then((decoyHash) => ({ email, passwordHash, role, decoyHash }));
}

/**
 * Fingerprint of an admin login: its e-mail and password hash, or '' for none (the login is off).
 * A session the admin login starts records the fingerprint of the credential as configured then;
 * every refresh passes the one configured now, and a family whose fingerprint differs is revoked,
 * so turning the login off or changing the e-mail or password ends those sessions. Only a digest of
 * the (already scrypt-hashed) password is stored with the family.
 */
export function adminCredentialFingerprint(admin: Pick<AdminCredential, 'email' | 'passwordHash'> | undefined): string {
  if (!admin) return '';
  return `admin:${createHash('sha256').update(`${admin.email.toLowerCase()}\n${admin.passwordHash}`).digest('base64url')}`;
}
