/**
 * Canonical wallet addresses. POST /challenge stores the canonical form and every verifier
 * derives the canonical form of what it checks, so "is this the same address" is a plain string
 * equality on two canonical strings (never a case-insensitive or prefix-tolerant compare).
 *
 * - EVM address: `0x` + 40 hex. Canonical: lowercase with `0x`. All-lower and all-upper digits
 *   are accepted as is; mixed case must be a valid EIP-55 checksum (a mistyped checksummed address
 *   is a 400, not silently another account).
 * - ML-DSA-65 compact address: `mldsa65-` + 64 hex (SHA-256 of the 1952-byte public key).
 *   Canonical: lowercase. A full ML-DSA-65 public key given as an address is reduced to this form,
 *   so tokens carry 72 characters instead of the 3,904-character key (an 11 KB token otherwise).
 * - Anything else is a public key in hex (optional `0x`, either case). Canonical: lowercase hex
 *   without prefix. Only the byte lengths of keys some algorithm accepts are valid, so an address
 *   no verifier could ever match is refused up front instead of getting a useless challenge.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { AuthError } from '../errors/index.js';
import { bytesToHex, hexToBytes, normalizeHex } from '../../lib/hex.js';

/** Byte lengths of the public keys an address may be: Ed25519, SEC1 compressed, SEC1 uncompressed, ML-DSA-65. */
export const PUBLIC_KEY_ADDRESS_LENGTHS: readonly number[] = [32, 33, 65, 1952];
/** The longest public key (ML-DSA-65), in bytes. */
export const MAX_PUBLIC_KEY_BYTES = 1952;
/** Longest accepted address string: `0x` plus the hex of the longest key. */
const MAX_ADDRESS_CHARS = 2 + MAX_PUBLIC_KEY_BYTES * 2;

const EVM_RE = /^0x[0-9a-fA-F]{40}$/;
/** Prefix of an ML-DSA-65 compact address; no public key or EVM address starts with it. */
export const ML_DSA_65_ADDRESS_PREFIX = 'mldsa65-';
const ML_DSA_65_ADDRESS_RE = /^mldsa65-[0-9a-fA-F]{64}$/;
const ML_DSA_65_PUBLIC_KEY_BYTES = 1952;

/**
 * The compact address of an ML-DSA-65 public key: `mldsa65-` + lowercase hex of SHA-256 over the
 * 1952 raw public-key bytes (FIPS 204 pkEncode, as liboqs, node:crypto and @noble export it).
 * Pure function of the key: every replica derives the same address.
 */
export function mlDsa65Address(publicKey: Uint8Array): string {
  return `${ML_DSA_65_ADDRESS_PREFIX}${bytesToHex(sha256(publicKey))}`;
}

/** True when `address` is an `0x` EVM address in canonical (lowercase) form. */
export function isCanonicalEvmAddress(address: string): boolean {
  return /^0x[0-9a-f]{40}$/.test(address);
}

/**
 * Returns the canonical form of an address given by a client, or throws
 * AuthError(`invalid_address`) naming what is wrong.
 */
export function canonicalAddress(input: unknown): string {
  if (typeof input !== 'string') throw invalid('`address` must be a string.');
  if (input.length === 0) throw invalid('`address` is empty.');
  if (input.length > MAX_ADDRESS_CHARS) throw invalid(`\`address\` is longer than ${MAX_ADDRESS_CHARS} characters.`);

  if (EVM_RE.test(input)) {
    const digits = input.slice(2);
    const lower = digits.toLowerCase();
    const mixed = digits !== lower && digits !== digits.toUpperCase();
    if (mixed && toChecksumDigits(lower) !== digits) {
      throw invalid('`address` has mixed case but not a valid EIP-55 checksum; send it all lowercase or correctly checksummed.');
    }
    return `0x${lower}`;
  }
  if (ML_DSA_65_ADDRESS_RE.test(input)) return input.toLowerCase();

  const hex = normalizeHex(input);
  if (hex === null || hex.length === 0) {
    throw invalid('`address` must be an 0x EVM address (40 hex digits), an ML-DSA-65 `mldsa65-` address or a public key in hex.');
  }
  const bytes = hex.length / 2;
  if (!PUBLIC_KEY_ADDRESS_LENGTHS.includes(bytes)) {
    throw invalid(
      `\`address\` is ${bytes} bytes of hex: not an 0x EVM address (20 bytes) nor a public key of ${PUBLIC_KEY_ADDRESS_LENGTHS.join(', ')} bytes.`,
    );
  }
  if (bytes === ML_DSA_65_PUBLIC_KEY_BYTES) return mlDsa65Address(hexToBytes(hex)!);
  return hex;
}

/** EIP-55 mixed-case checksum form of an address (`0x` + checksummed digits). */
export function toChecksumAddress(address: string): string {
  if (!EVM_RE.test(address)) throw new TypeError('toChecksumAddress expects 0x + 40 hex digits');
  return `0x${toChecksumDigits(address.slice(2).toLowerCase())}`;
}

/**
 * The EVM address of a secp256k1 public key (SEC1 compressed or uncompressed):
 * `0x` + the last 20 bytes of keccak-256 of the 64-byte uncompressed point (without the 0x04 tag).
 * Throws (plain Error) when the bytes are not a valid point on the curve.
 */
export function evmAddressFromPublicKey(uncompressedOrCompressed: Uint8Array): string {
  const point = secp256k1.Point.fromBytes(uncompressedOrCompressed);
  const uncompressed = point.toBytes(false);
  return `0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`;
}

/** EIP-55: uppercase each letter whose nibble in keccak-256(lowercase ASCII digits) is >= 8. */
function toChecksumDigits(lowerDigits: string): string {
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(lowerDigits)));
  let out = '';
  for (let i = 0; i < lowerDigits.length; i++) {
    const c = lowerDigits[i]!;
    out += parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

function invalid(detail: string): AuthError {
  return new AuthError('invalid_address', detail);
}
