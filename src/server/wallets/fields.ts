/**
 * Shape checks for sign-in body fields, shared by every verifier. Each failure is a 400 whose
 * detail names the field and says what was expected, so a client developer can fix the request
 * without reading our source.
 */
import { AuthError } from '../errors/index.js';
import { hexToBytes } from '../../lib/hex.js';
import { canonicalAddress } from './address.js';

/** A challenge as POST /challenge issues it: 32 random bytes as 64 lowercase hex digits. */
const CHALLENGE_RE = /^(?:0x)?([0-9a-fA-F]{64})$/;

/** Returns `body[name]` as a string of at most `maxChars` characters. */
export function stringField(body: Record<string, unknown>, name: string, maxChars: number): string {
  const value = body[name];
  if (value === undefined || value === null) throw new AuthError('invalid_request', `\`${name}\` is required.`);
  if (typeof value !== 'string') throw new AuthError('invalid_request', `\`${name}\` must be a string.`);
  if (value.length > maxChars) throw new AuthError('invalid_request', `\`${name}\` is longer than ${maxChars} characters.`);
  return value;
}

/**
 * Returns the bytes of the hex field `body[name]` (either case, optional `0x`), whose length must
 * be one of `byteLengths`; or, with `{ max }`, anything from 1 to `max` bytes.
 */
export function hexField(body: Record<string, unknown>, name: string, byteLengths: readonly number[] | { max: number }): Uint8Array {
  const fixed = Array.isArray(byteLengths) ? (byteLengths as readonly number[]) : null;
  const max = fixed ? Math.max(...fixed) : (byteLengths as { max: number }).max;
  const text = stringField(body, name, Number.MAX_SAFE_INTEGER);
  // Length first, so an oversized value is refused before any decoding work.
  if (text.length > 2 + max * 2) {
    throw new AuthError('invalid_request', fixed ? `\`${name}\` must be ${describeLengths(fixed)} bytes of hex; it is too long.` : `\`${name}\` is longer than ${max} bytes.`);
  }
  const bytes = hexToBytes(text);
  if (bytes === null) throw new AuthError('invalid_request', `\`${name}\` must be hex (an even number of 0-9a-f digits, optional 0x).`);
  if (fixed) {
    if (!fixed.includes(bytes.length)) {
      throw new AuthError('invalid_request', `\`${name}\` must be ${describeLengths(fixed)} bytes; got ${bytes.length}.`);
    }
  } else if (bytes.length === 0) {
    throw new AuthError('invalid_request', `\`${name}\` is empty.`);
  } else if (bytes.length > max) {
    throw new AuthError('invalid_request', `\`${name}\` is longer than ${max} bytes.`);
  }
  return bytes;
}

/**
 * The challenge nonce in canonical form (64 lowercase hex, no prefix). The proof must be over this
 * canonical string: clients sign the challenge exactly as POST /challenge returned it.
 */
export function challengeField(body: Record<string, unknown>, name = 'challenge'): string {
  return canonicalChallenge(stringField(body, name, 66), name);
}

/** Canonical challenge nonce from a string, or a 400 naming `name`. */
export function canonicalChallenge(value: string, name: string): string {
  const m = CHALLENGE_RE.exec(value);
  if (!m) throw new AuthError('invalid_request', `\`${name}\` must be the 64-hex-digit challenge returned by POST /challenge.`);
  return m[1]!.toLowerCase();
}

/** The canonical `address` (400 `invalid_request` when missing, `invalid_address` when malformed). */
export function addressField(body: Record<string, unknown>): string {
  const value = body.address;
  if (value === undefined || value === null) throw new AuthError('invalid_request', '`address` is required.');
  return canonicalAddress(value);
}

function describeLengths(lengths: readonly number[]): string {
  if (lengths.length === 1) return String(lengths[0]);
  return `${lengths.slice(0, -1).join(', ')} or ${lengths[lengths.length - 1]}`;
}
