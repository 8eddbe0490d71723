/**
 * `Ed25519`: the signature (64 bytes) is over the UTF-8 challenge, by `public_key` (32 bytes), and
 * `address` must be the lowercase hex of that public key. Verified with node:crypto (OpenSSL),
 * which rejects non-canonical S values.
 */
import { verify, type KeyObject } from 'node:crypto';
import { AuthError } from '../errors/index.js';
import { bytesToHex } from '../../lib/hex.js';
import { addressMismatch, badSignature } from './errors.js';
import { addressField, challengeField, hexField } from './fields.js';
import { publicKeyFromSpki } from './spki-key.js';
import { signedText, type ParsedSignIn, type WalletVerifier } from './types.js';

export interface Ed25519SignIn extends ParsedSignIn {
  publicKey: Uint8Array;
  key: KeyObject;
  signature: Uint8Array;
}

const ALGORITHM = 'Ed25519';
/** SubjectPublicKeyInfo prefix (id-Ed25519, RFC 8410) for the 32-byte public key. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const ed25519Verifier: WalletVerifier<Ed25519SignIn> = {
  algorithm: ALGORITHM,

  parse(body) {
    const address = addressField(body);
    const publicKey = hexField(body, 'public_key', [32]);
    const signature = hexField(body, 'signature', [64]);
    const nonce = challengeField(body);
    let key: KeyObject;
    try {
      key = publicKeyFromSpki(Buffer.concat([SPKI_PREFIX, publicKey]), () => ({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }));
    } catch {
      throw new AuthError('invalid_request', '`public_key` is not a valid Ed25519 public key.');
    }
    return { algorithm: ALGORITHM, nonce, address, publicKey, key, signature };
  },

  verify(parsed) {
    if (bytesToHex(parsed.publicKey) !== parsed.address) {
      throw addressMismatch(ALGORITHM, '`address` must be the lowercase hex of `public_key`.');
    }
    let ok = false;
    try {
      ok = verify(null, Buffer.from(signedText(parsed), 'utf8'), parsed.key, parsed.signature);
    } catch {
      ok = false;
    }
    if (!ok) throw badSignature(ALGORITHM);
  },
};
