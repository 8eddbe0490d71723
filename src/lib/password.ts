import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing for the admin bootstrap login: scrypt (node:crypto), in the PHC string format
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (standard base64, no padding). The string names
 * its own parameters, so they can be raised later without breaking stored hashes.
 */

/** Parameters of a new hash. N=2^15, r=8, p=3: one of OWASP's equivalent scrypt settings, 32 MiB per hash. */
export const DEFAULT_SCRYPT_PARAMS = { ln: 15, r: 8, p: 3 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds on what a stored hash may ask for: a typo in a configured hash must not make every login
// allocate gigabytes (or accept a trivially cheap hash).
const BOUNDS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{22,})$/;

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, length: number, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  // Node refuses above 32 MiB by default; allow exactly what these parameters need (128*N*r*p bytes, with room).
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r * p };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const b64 = (buf: Buffer): string => buf.toString('base64').replace(/=+$/, '');

/**
 * Parses a hash string; throws TypeError naming what is wrong (a malformed configured hash is a
 * configuration mistake, to be reported at start, never a silent "wrong password").
 */
export function parsePasswordHash(encoded: string): ParsedHash {
  const m = PHC.exec(encoded.trim());
  if (!m) throw new TypeError('password hash: expected "$scrypt$ln=<n>,r=<n>,p=<n>$<salt>$<hash>" as printed by `pico-auth hash-password`');
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (const [name, value] of [['ln', ln], ['r', r], ['p', p]] as const) {
    const [min, max] = BOUNDS[name];
    if (value < min || value > max) throw new TypeError(`password hash: ${name}=${value} is outside ${min}-${max}`);
  }
  return { ln, r, p, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

/** True when `encoded` is a hash string this module can verify. */
export function isPasswordHash(encoded: string): boolean {
  try {
    parsePasswordHash(encoded);
    return true;
  } catch {
    return false;
  }
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new TypeError('password must be a non-empty string');
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Checks a password against a hash string in constant time (with respect to the stored hash).
 * Returns false for a wrong password; throws TypeError for a malformed hash string.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (typeof password !== 'string') return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}
