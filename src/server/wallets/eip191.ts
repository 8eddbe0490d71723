/**
 * `EIP-191`: an Ethereum wallet's `personal_sign` of the challenge string (64 lowercase hex, as
 * POST /challenge returned it, signed as text). The recovered signer must be `address`, an `0x`
 * EVM address (a mixed-case address must carry a valid EIP-55 checksum).
 */
import { AuthError } from '../errors/index.js';
import { isCanonicalEvmAddress } from './address.js';
import { addressMismatch, badSignature } from './errors.js';
import { ethSignatureField, recoverPersonalSigner, type EthSignature } from './eth-recover.js';
import { addressField, challengeField } from './fields.js';
import type { ParsedSignIn, WalletVerifier } from './types.js';

export interface Eip191SignIn extends ParsedSignIn {
  signature: EthSignature;
}

const ALGORITHM = 'EIP-191';

export const eip191Verifier: WalletVerifier<Eip191SignIn> = {
  algorithm: ALGORITHM,

  parse(body) {
    const address = addressField(body);
    if (!isCanonicalEvmAddress(address)) {
      throw new AuthError('invalid_address', 'EIP-191 needs `address` to be an 0x EVM address (40 hex digits).');
    }
    const signature = ethSignatureField(body);
    const nonce = challengeField(body);
    return { algorithm: ALGORITHM, nonce, address, signature };
  },

  verify(parsed) {
    const signer = recoverPersonalSigner(parsed.nonce, parsed.signature);
    if (signer === null) throw badSignature(ALGORITHM);
    // Recovery yields *some* address for any valid-looking signature: a signature by another key,
    // or over another message, shows up here as a different signer.
    if (signer !== parsed.address) throw addressMismatch(ALGORITHM, 'The recovered signer is not `address`.');
  },
};
