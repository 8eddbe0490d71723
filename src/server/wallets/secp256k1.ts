/**
 * `secp256k1`: ECDSA over SHA-256 of the UTF-8 challenge, by `public_key` (SEC1, 33 or 65 bytes).
 * `signature` is DER or 64-byte r||s. `address` is either the lowercase hex of the key exactly as
 * sent, or the EVM address of that key. Verified with node:crypto (OpenSSL).
 *
 * High-S signatures are ACCEPTED: OpenSSL, WebCrypto-style and hardware signers emit them about
 * half of the time, and the malleability they allow gives an attacker nothing here, since a
 * challenge can be spent once only (unlike a blockchain transaction id). EIP-191/EIP-4361, where
 * every wallet normalizes to low S, reject high S like ethers does.
 */
import { verify, type KeyObject } from 'node:crypto';
import { AuthError } from '../errors/index.js';
import { bytesToHex } from '../../lib/hex.js';
import { evmAddressFromPublicKey, isCanonicalEvmAddress } from './address.js';
import { addressMismatch, badSignature } from './errors.js';
import { addressField, challengeField, hexField } from './fields.js';
import { publicKeyFromSpki } from './spki-key.js';
import { signedText, type ParsedSignIn, type WalletVerifier } from './types.js';

export interface Secp256k1SignIn extends ParsedSignIn {
  publicKey: Uint8Array;
  key: KeyObject;
  signature: Uint8Array;
}

const ALGORITHM = 'secp256k1';
/** Longest DER ECDSA signature for a 256-bit curve: 30 len 02 33 00||r 02 33 00||s. */
const MAX_DER_BYTES = 72;

/** SubjectPublicKeyInfo prefix (id-ecPublicKey, secp256k1) for a 65- or 33-byte SEC1 point. */
const SPKI_PREFIX: Record<number, Buffer> = {
  65: Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex'),
  33: Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
};

export const secp256k1Verifier: WalletVerifier<Secp256k1SignIn> = {
  algorithm: ALGORITHM,

  parse(body) {
    const address = addressField(body);
    const publicKey = hexField(body, 'public_key', [33, 65]);
    const signature = hexField(body, 'signature', { max: MAX_DER_BYTES });
    const nonce = challengeField(body);
    const tag = publicKey[0];
    if (!(publicKey.length === 33 ? tag === 0x02 || tag === 0x03 : tag === 0x04)) {
      throw new AuthError('invalid_request', '`public_key` must be SEC1: 33 bytes starting 02/03 (compressed) or 65 bytes starting 04.');
    }
    if (signature.length !== 64 && (signature.length < 8 || signature[0] !== 0x30)) {
      throw new AuthError('invalid_request', '`signature` must be 64 bytes (r||s) or a DER ECDSA signature (starting 30).');
    }
    let key: KeyObject;
    try {
      // OpenSSL decodes (and so checks) the point on import: an off-curve key is a 400 here.
      key = publicKeyFromSpki(Buffer.concat([SPKI_PREFIX[publicKey.length]!, publicKey]));
    } catch {
      throw new AuthError('invalid_request', '`public_key` is not a point on secp256k1.');
    }
    return { algorithm: ALGORITHM, nonce, address, publicKey, key, signature };
  },

  verify(parsed) {
    const bound = isCanonicalEvmAddress(parsed.address)
      ? evmAddressFromPublicKey(parsed.publicKey) === parsed.address
      : bytesToHex(parsed.publicKey) === parsed.address;
    if (!bound) {
      throw addressMismatch(ALGORITHM, '`address` must be the lowercase hex of `public_key` as sent, or the EVM address of that key.');
    }
    const message = Buffer.from(signedText(parsed), 'utf8');
    let ok = check(message, parsed, parsed.signature.length === 64 ? 'ieee-p1363' : 'der');
    // 64 bytes is r||s, but a DER signature with short r and s can also be 64 bytes long: try it
    // as DER too. Each reading is a full ECDSA check against the same key and message.
    if (!ok && parsed.signature.length === 64 && parsed.signature[0] === 0x30) ok = check(message, parsed, 'der');
    if (!ok) throw badSignature(ALGORITHM);
  },
};

function check(message: Buffer, parsed: Secp256k1SignIn, dsaEncoding: 'der' | 'ieee-p1363'): boolean {
  try {
    return verify('sha256', message, { key: parsed.key, dsaEncoding }, parsed.signature);
  } catch {
    return false;
  }
}
