import { createHash, createHmac, randomBytes } from 'node:crypto';

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

/**
 * The token a rotation issues for `presented`: its secret is HMAC-SHA256(presented token, salt), with
 * a fresh random salt per attempt. The store keeps only the salt and the successor's hash, so a
 * retry of the same token within the grace window can be given the same successor (derived again
 * from what the client presents) without any token being stored in the clear; and a thief who
 * holds an old token cannot compute later ones (the salts live only in the store).
 */
export function successorToken(presented: string, salt: string = randomBytes(16).toString('base64url')) {
  const familyId = presented.slice(0, presented.indexOf('.'));
  const token = `${familyId}.${createHmac('sha256', presented).update(salt).digest('base64url')}`;
  return { token, hash: hashRefreshToken(token), salt };
}

/** The live token a replay leads to: the successor of `presented` by each salt in turn. */
export function replayedToken(presented: string, salts: readonly string[]): string {
  return salts.reduce((token, salt) => successorToken(token, salt).token, presented);
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Splits a presented token, or returns null when it is not one of ours. */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const m = FORMAT.exec(token);
  return m ? { familyId: m[1]!, hash: hashRefreshToken(token) } : null;
}
