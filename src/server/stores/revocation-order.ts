/**
 * The one order in which every store lists revocations: by revocation time, then by `exp`, then by
 * jti. A record's position is a string that sorts in that order byte by byte
 * (`<revokedAt, 11 digits>:<exp, 11 digits>:<jti>`), so a Redis sorted set reads it with
 * `ZRANGEBYLEX … LIMIT` and the memory store with a binary search. The position of the last item
 * of a page is the cursor of the next: it stays valid whatever is added or pruned meanwhile.
 */

const WIDTH = 11; // epoch seconds up to the year 5138

const pad = (n: number) => String(n).padStart(WIDTH, '0');

export function positionOf(r: { jti: string; revokedAt: number; exp: number }): string {
  return `${pad(r.revokedAt)}:${pad(r.exp)}:${r.jti}`;
}

/** The first position of records revoked at or after `since`. */
export function positionOfSince(since: number): string {
  return pad(since);
}

const POSITION = /^(\d{11}):(\d{11}):([A-Za-z0-9._:-]{1,200})$/;

/** Parses a position from a client (cursor): checked in full. */
export function parsePosition(position: string): { jti: string; revokedAt: number; exp: number } | undefined {
  const m = POSITION.exec(position);
  return m ? { revokedAt: Number(m[1]), exp: Number(m[2]), jti: m[3]! } : undefined;
}

/** Reads a position the store wrote itself (a list page: up to 10k per request, so no regex). */
export function readPosition(position: string): { jti: string; revokedAt: number; exp: number } | undefined {
  if (position.length <= 24 || position.charCodeAt(11) !== 58 || position.charCodeAt(23) !== 58) return undefined;
  return { revokedAt: Number(position.slice(0, 11)), exp: Number(position.slice(12, 23)), jti: position.slice(24) };
}

/** The wire form of a position: opaque to clients (base64url). */
export function encodeCursor(position: string): string {
  return Buffer.from(position).toString('base64url');
}

/** A position from a client's cursor, or undefined if it is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  const position = Buffer.from(cursor, 'base64url').toString();
  return parsePosition(position) ? position : undefined;
}
