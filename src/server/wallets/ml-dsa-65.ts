/**
 * `ML-DSA-65` (FIPS 204): pure ML-DSA with an empty context string, over the UTF-8 challenge.
 * `public_key` is 1952 bytes, `signature` 3309 bytes; `address` is the compact address of the key
 * (`mldsa65-` + hex SHA-256 of it, see address.ts), or the key's hex, which canonicalizes to the same.
 * Verified with @noble/post-quantum, so it works on every Node version we support (node:crypto
 * gained ML-DSA only in Node 24.7).
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { mlDsa65Address } from './address.js';
import { addressMismatch, badSignature } from './errors.js';
import { addressField, challengeField, hexField } from './fields.js';
import { signedText, type ParsedSignIn, type WalletVerifier } from './types.js';

export interface MlDsa65SignIn extends ParsedSignIn {
  publicKey: Uint8Array;
  signature: Uint8Array;
}

const ALGORITHM = 'ML-DSA-65';
export const ML_DSA_65_PUBLIC_KEY_BYTES = 1952;
export const ML_DSA_65_SIGNATURE_BYTES = 3309;

export const mlDsa65Verifier: WalletVerifier<MlDsa65SignIn> = {
  algorithm: ALGORITHM,

  parse(body) {
    const address = addressField(body);
    const publicKey = hexField(body, 'public_key', [ML_DSA_65_PUBLIC_KEY_BYTES]);
    const signature = hexField(body, 'signature', [ML_DSA_65_SIGNATURE_BYTES]);
    const nonce = challengeField(body);
    return { algorithm: ALGORITHM, nonce, address, publicKey, signature };
  },

  verify(parsed) {
    if (mlDsa65Address(parsed.publicKey) !== parsed.address) {
      throw addressMismatch(ALGORITHM, '`address` must be the `mldsa65-` address of `public_key` (or its hex).');
    }
    let ok = false;
    try {
      // No `context` option: FIPS 204 pure ML-DSA with the empty context, as node:crypto,
      // liboqs and most wallets sign by default.
      ok = ml_dsa65.verify(parsed.signature, new TextEncoder().encode(signedText(parsed)), parsed.publicKey);
    } catch {
      ok = false;
    }
    if (!ok) throw badSignature(ALGORITHM);
  },
};
