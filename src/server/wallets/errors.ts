/**
 * The 401s a verifier throws. Stable codes: `bad_signature` (the proof does not verify) and
 * `address_mismatch` (the proof is valid for a key or signer that is not the claimed address).
 */
import { AuthError } from '../errors/index.js';

export function badSignature(algorithm: string): AuthError {
  return new AuthError('bad_signature', `The ${algorithm} signature does not verify over the challenge.`);
}

export function addressMismatch(algorithm: string, detail = 'The key or signer is not the claimed address.'): AuthError {
  return new AuthError('address_mismatch', `${algorithm}: ${detail}`);
}
