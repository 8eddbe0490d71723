/**
 * Ethereum `personal_sign` (EIP-191 version 0x45) signer recovery, shared by EIP-191 and EIP-4361.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { AuthError } from '../errors/index.js';
import { evmAddressFromPublicKey } from './address.js';
import { hexField } from './fields.js';

/** A 65-byte r||s||v signature, split. */
export interface EthSignature {
  r: bigint;
  s: bigint;
  /** Recovery bit, 0 or 1. */
  recovery: number;
}

/**
 * Parses `body.signature` as `personal_sign` returns it: 65 bytes r||s||v with v 27/28 (or 0/1,
 * as some hardware wallets send). Any other v (EIP-155 style chain-encoded v has no meaning for
 * messages) is a 400.
 */
export function ethSignatureField(body: Record<string, unknown>): EthSignature {
  const bytes = hexField(body, 'signature', [65]);
  const v = bytes[64]!;
  if (v !== 0 && v !== 1 && v !== 27 && v !== 28) {
    throw new AuthError('invalid_request', `\`signature\` must end with v = 27 or 28 (or 0 or 1); got ${v}.`);
  }
  return {
    r: BigInt(`0x${Buffer.from(bytes.subarray(0, 32)).toString('hex')}`),
    s: BigInt(`0x${Buffer.from(bytes.subarray(32, 64)).toString('hex')}`),
    recovery: v >= 27 ? v - 27 : v,
  };
}

/** keccak-256("\x19Ethereum Signed Message:\n" + byte length + message), the personal_sign digest. */
export function personalMessageHash(message: string): Uint8Array {
  const body = new TextEncoder().encode(message);
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${body.length}`);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix, 0);
  all.set(body, prefix.length);
  return keccak_256(all);
}

/**
 * The canonical (lowercase) EVM address that signed `message`, or null when the signature is not a
 * valid recoverable signature (r or s out of range, high S, no point for r). High S is refused as
 * Ethereum (EIP-2) and ethers do: every wallet emits low S.
 */
export function recoverPersonalSigner(message: string, sig: EthSignature): string | null {
  try {
    const signature = new secp256k1.Signature(sig.r, sig.s).addRecoveryBit(sig.recovery);
    if (signature.hasHighS()) return null;
    const point = signature.recoverPublicKey(personalMessageHash(message));
    return evmAddressFromPublicKey(point.toBytes(false));
  } catch {
    return null;
  }
}
