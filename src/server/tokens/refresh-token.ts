import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque refresh tokens: `<familyId>.<secret>`, base64url. The 256-bit secret is what makes the
 * token unguessable; the family id (128 bits) routes every operation to the family's Redis Cluster
 * slot. Only the SHA-256 of the whole token is stored.
 */
export interface RefreshTokenParts {
  familyId: string;
  hash: string;
}

const FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}

export function newRefreshToken(familyId: string): { token: string; hash: string } {
  const token = `${familyId}.${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Splits a presented token, or returns null when it is not one of ours. */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const m = FORMAT.exec(token);
  return m ? { familyId: m[1]!, hash: hashRefreshToken(token) } : null;
}
