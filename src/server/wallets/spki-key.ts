import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * A wallet's public key, imported per sign-in, in the form this Node imports fastest. Measured
 * (2026-12-01, one Ed25519 import; secp256k1 in brackets):
 * - Node 24.21 (OpenSSL 3.5): JWK 32-39 µs, DER 36-49 (61) µs, PEM text 10-12 (29) µs. Node 24
 *   asks of an object argument (`{ key, format }`) whether it and its `key` are a KeyObject or a
 *   CryptoKey, by native calls that throw for a plain object; a string is asked nothing.
 * - Node 22.23 (OpenSSL 3.5): JWK 4-6 µs, DER 9 (41) µs, PEM 12-13 (34) µs.
 * - Node 20.20 (OpenSSL 3.0): JWK 6 µs, DER and PEM 105-117 (183-187) µs (OpenSSL 3.0's decoders).
 * So PEM text on Node ≥ 24, else the JWK when there is one, else DER. Same key either way, and the
 * same checks: OpenSSL decodes the point in every form (an off-curve key throws).
 */
export const PEM_IMPORT = Number(process.versions.node.split('.')[0]) >= 24;

/** Imports from PEM text built from the DER SubjectPublicKeyInfo (RFC 7468: 64-character lines). */
export function importPem(der: Uint8Array): KeyObject {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${body}-----END PUBLIC KEY-----\n`);
}

/** Imports from the object forms: the JWK when given, else the DER SubjectPublicKeyInfo. */
export function importObject(der: Uint8Array, jwk?: JsonWebKey): KeyObject {
  return jwk ? createPublicKey({ key: jwk, format: 'jwk' }) : createPublicKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'spki' });
}

/** The key of a DER SubjectPublicKeyInfo (and its JWK, when the caller has one), imported the fast way for this Node. */
export function publicKeyFromSpki(der: Uint8Array, jwk?: () => JsonWebKey): KeyObject {
  return PEM_IMPORT ? importPem(der) : importObject(der, jwk?.());
}
