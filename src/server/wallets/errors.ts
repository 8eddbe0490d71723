/**
 * The 401s a verifier throws. Stable codes: `bad_signature` (the proof does not verify) and
 * `address_mismatch` (the proof is valid for a key or signer that is not the claimed address).
 */
import { UnauthorizedError } from '../errors.js';

export function badSignature(algorithm: string): UnauthorizedError {
  return new UnauthorizedError(`The ${algorithm} signature does not verify over the challenge.`, 'bad_signature');
}

export function addressMismatch(algorithm: string, detail = 'The key or signer is not the claimed address.'): UnauthorizedError {
  return new UnauthorizedError(`${algorithm}: ${detail}`, 'address_mismatch');
}
