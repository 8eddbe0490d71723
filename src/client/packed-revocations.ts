/**
 * The packed form of a `revoked-jtis` page (docs/contract.md, "Packed pages"), shared by the service
 * (which writes it) and the client library (which reads it). A record whose jti is a lowercase UUID
 * (what the service issues) and whose times fit 32 bits travels as 24 bytes: the UUID's 16 bytes,
 * `revoked_at` and `exp` as big-endian uint32. All of a page's such records are one base64 string
 * (`"packed"`); any other record stays in the plain JSON form (`"items"`). 1M records: 32 MB of
 * base64 against ~80 MB of JSON objects, and no object per record on either side.
 * It lives with the client, which imports only its own modules; the service imports it from here
 * (no dependency, nothing else of the client).
 */

import { isAscii } from 'node:buffer';

/** The media type a client asks for (`Accept`) and the service answers with (`Content-Type`). */
export const PACKED_REVOCATIONS_TYPE = 'application/vnd.pico-auth.revoked-jtis.packed+json';

/** Bytes per packed record: 16 (UUID) + 4 (revoked_at) + 4 (exp). A multiple of 3: base64 chunks join without padding. */
export const PACKED_RECORD_BYTES = 24;

const MAX_U32 = 0xffffffff;
const DASH = 45;

/** Lowercase hex digit values by char code; -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * Writes the 16 bytes of `jti` at `out[offset]` when it is a lowercase UUID (8-4-4-4-12 hex);
 * false (and `out` partly written) for any other jti. By hand: a regex costs more than the rest.
 */
export function uuidToBytes(jti: string, out: Uint8Array, offset: number): boolean {
  if (jti.length !== 36) return false;
  if (jti.charCodeAt(8) !== DASH || jti.charCodeAt(13) !== DASH || jti.charCodeAt(18) !== DASH || jti.charCodeAt(23) !== DASH) return false;
  let o = offset;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    const hi = jti.charCodeAt(i);
    const lo = jti.charCodeAt(i + 1);
    const h = hi < 128 ? NIBBLE[hi]! : -1;
    const l = lo < 128 ? NIBBLE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    out[o++] = (h << 4) | l;
  }
  return true;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The lowercase UUID string of 16 bytes at `bytes[offset]`. */
export function bytesToUuid(bytes: Uint8Array, offset: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[bytes[offset + i]!];
  }
  return s;
}

export interface PackableEntry {
  jti: string;
  revokedAt: number;
  exp: number;
}

/** Splits a page into its packed records (24 bytes each) and the entries that must stay plain. */
export function packRevocations<E extends PackableEntry>(entries: readonly E[]): { packed: Buffer; plain: E[] } {
  const buf = Buffer.allocUnsafe(entries.length * PACKED_RECORD_BYTES);
  const plain: E[] = [];
  let o = 0;
  for (const e of entries) {
    if (fitsU32(e.revokedAt) && fitsU32(e.exp) && uuidToBytes(e.jti, buf, o)) {
      buf.writeUInt32BE(e.revokedAt, o + 16);
      buf.writeUInt32BE(e.exp, o + 20);
      o += PACKED_RECORD_BYTES;
    } else {
      plain.push(e);
    }
  }
  return { packed: buf.subarray(0, o), plain };
}

/** Base64 digit values by byte (the standard alphabet); -1 for anything else, padding included. */
const BASE64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * The records of a page's `packed` string, or undefined when it is not whole records of canonical
 * base64 (32 characters a record, the standard alphabet, no padding, nothing else). `packed` is the
 * string, or its characters as bytes (what `parseRevocationsBody` gives, a view of the body). Decoded
 * here rather than by `Buffer.from(…, 'base64')`: that needs a string (320 KB made per 10k-record
 * page), skips characters it does not know, and allocates the result; with `out` (at least 3/4 of the
 * length) the records are written there, so one buffer serves every page of a load.
 */
export function unpackRevocations(packed: unknown, out?: Uint8Array): Uint8Array | undefined {
  let src: Uint8Array;
  if (typeof packed === 'string') {
    // Only ASCII maps one character to one byte (latin1 would fold other characters onto the alphabet).
    if (Buffer.byteLength(packed, 'utf8') !== packed.length) return undefined;
    src = Buffer.from(packed, 'latin1');
  } else if (packed instanceof Uint8Array) {
    src = packed;
  } else {
    return undefined;
  }
  if (src.length % 32 !== 0) return undefined;
  const length = (src.length / 4) * 3;
  const dst = out && out.length >= length ? out : Buffer.allocUnsafe(length);
  let bad = 0;
  let o = 0;
  for (let i = 0; i < src.length; i += 4) {
    const a = BASE64[src[i]!]!;
    const b = BASE64[src[i + 1]!]!;
    const c = BASE64[src[i + 2]!]!;
    const d = BASE64[src[i + 3]!]!;
    bad |= a | b | c | d; // negative once any is not a base64 digit
    const w = (a << 18) | (b << 12) | (c << 6) | d;
    dst[o] = w >>> 16;
    dst[o + 1] = w >>> 8;
    dst[o + 2] = w;
    o += 3;
  }
  return bad < 0 ? undefined : dst.subarray(0, length);
}

const fitsU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_U32;

/** How the service starts a packed page's body (revoked-jtis.ts writes it; `parseRevocationsBody` reads it without a copy). */
export const PACKED_HEAD = Buffer.from('{"packed":"');
const PACKED_KEY = Buffer.from('"packed"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A `revoked-jtis` answer's body as `JSON.parse` of its UTF-8 text would give it, except that a
 * packed page's `packed` string (320 KB of base64 for 10k records) may come as its characters'
 * bytes, a view of `body` (no copy, no string): it is not decoded as UTF-8 nor scanned as JSON, and
 * the rest of the body is parsed with that string emptied. Only when the body starts as the service
 * writes it and the string is ASCII with no escape (so its bytes are its characters), and no other
 * `packed` follows; any other body is parsed whole. `unpackRevocations` takes either form.
 */
export function parseRevocationsBody(body: Buffer): unknown {
  if (body.length > PACKED_HEAD.length && body.subarray(0, PACKED_HEAD.length).equals(PACKED_HEAD)) {
    const end = body.indexOf(QUOTE, PACKED_HEAD.length);
    const escape = body.indexOf(BACKSLASH, PACKED_HEAD.length);
    // A second "packed" after it (which JSON.parse would let win) is left to the whole parse.
    if (end > 0 && (escape < 0 || escape > end) && body.indexOf(PACKED_KEY, end) < 0 && isAscii(body.subarray(PACKED_HEAD.length, end))) {
      const rest = JSON.parse(`{"packed":"${body.toString('utf8', end)}`) as { packed: unknown };
      rest.packed = body.subarray(PACKED_HEAD.length, end);
      return rest;
    }
  }
  return JSON.parse(new TextDecoder().decode(body));
}

/**
 * The number of the `width` ASCII digits at `bytes[offset]`, or -1 if one is not a digit. For the
 * list positions the service stores (`<revoked_at, 11 digits>:<exp, 11 digits>:<jti>`).
 */
function digitsAt(bytes: Uint8Array, offset: number, width: number): number {
  let n = 0;
  for (let i = offset; i < offset + width; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Packs a list position as the store holds it (ASCII bytes, `<revoked_at 11>:<exp 11>:<jti>`) into a
 * 24-byte record at `out[offset]`, without making a string; false when it does not pack (a jti that
 * is not a lowercase UUID, a time past 32 bits, or not a position), to be read in the plain form.
 */
export function packPosition(position: Uint8Array, out: Uint8Array, offset: number): boolean {
  if (position.length !== 60 || position[11] !== 58 || position[23] !== 58) return false;
  const revokedAt = digitsAt(position, 0, 11);
  const exp = digitsAt(position, 12, 11);
  if (!fitsU32(revokedAt) || !fitsU32(exp)) return false;
  if (position[32] !== DASH || position[37] !== DASH || position[42] !== DASH || position[47] !== DASH) return false;
  let o = offset;
  for (let i = 24; i < 60; i += 2) {
    if (i === 32 || i === 37 || i === 42 || i === 47) i++;
    const hi = position[i]!;
    const lo = position[i + 1]!;
    const h = hi < 128 ? NIBBLE[hi]! : -1;
    const l = lo < 128 ? NIBBLE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    out[o++] = (h << 4) | l;
  }
  out[o++] = revokedAt >>> 24;
  out[o++] = revokedAt >>> 16;
  out[o++] = revokedAt >>> 8;
  out[o++] = revokedAt;
  out[o++] = exp >>> 24;
  out[o++] = exp >>> 16;
  out[o++] = exp >>> 8;
  out[o] = exp;
  return true;
}
