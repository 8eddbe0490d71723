import { createHash } from 'node:crypto';
import type { AuthConfig } from '../config/index.js';

/**
 * Fingerprint of the admin login as configured now: the e-mail and the password hash, or '' when the
 * login is off. A session started by the admin login records it, and every refresh compares it with
 * the current one, so turning the login off or changing the password ends those sessions.
 * Only a digest of the (already scrypt-hashed) password is stored with the family.
 */
export function adminCredential(config: Pick<AuthConfig, 'adminEmail' | 'adminPasswordHash'>): string {
  const { adminEmail, adminPasswordHash } = config;
  if (!adminEmail || !adminPasswordHash) return '';
  const digest = createHash('sha256').update(`${adminEmail.toLowerCase()}\n${adminPasswordHash}`).digest('base64url');
  return `admin:${digest}`;
}
