import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** JWS algorithms a signing key may have; the token algorithm follows the active key's type. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/** `active` signs; `next` is published ahead of a rotation; `retired` still verifies old tokens. */
export type KeyState = 'active' | 'next' | 'retired';

export interface KeyEntry {
  /** RFC 7638 thumbprint of the public key: identical on every replica reading the same PEM. */
  kid: string;
  alg: SigningAlgorithm;
  state: KeyState;
  /** File name in the key directory. */
  file: string;
  privateKey: KeyObject;
  /** Public JWK as published (kid, alg, use included). */
  publicJwk: JWK;
}

export class KeyParseError extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'KeyParseError';
    this.file = file;
  }
}

/** Parses one PKCS#8 PEM private key into a key entry, refusing key types and sizes we never sign with. */
export async function parseKeyEntry(file: string, pem: string, state: KeyState): Promise<KeyEntry> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyParseError(file, `not a PEM private key (${(err as Error).message})`);
  }
  const alg = algorithmOf(file, privateKey);
  const { kty, n, e, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  // Only the public members, in a fixed order, so every replica serves identical bytes.
  const members: JWK = kty === 'RSA' ? { kty, n, e } : kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x };
  const kid = await calculateJwkThumbprint(members, 'sha256');
  return { kid, alg, state, file, privateKey, publicJwk: { ...members, kid, alg, use: 'sig' } };
}

function algorithmOf(file: string, key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < 2048) throw new KeyParseError(file, 'RSA keys must be at least 2048 bits');
      return 'RS256';
    case 'ec':
      if (details.namedCurve !== 'prime256v1') throw new KeyParseError(file, `EC keys must be P-256 (got ${details.namedCurve})`);
      return 'ES256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new KeyParseError(file, `unsupported key type ${key.asymmetricKeyType}; use RSA-2048+, P-256 or Ed25519`);
  }
}
