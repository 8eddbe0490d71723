import { generateKeyPairSync } from 'node:crypto';
import type { SigningAlgorithm } from './key-entry.js';

/** Generates a PKCS#8 PEM private key for `alg` (RSA-2048 for RS256, P-256 for ES256, Ed25519 for EdDSA). */
export function generateKeyPem(alg: SigningAlgorithm = 'RS256'): string {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
