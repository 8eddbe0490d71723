import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importObject, importPem, PEM_IMPORT, publicKeyFromSpki } from '../../../src/server/wallets/spki-key.js';

const spki = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ format: 'der', type: 'spki' });
const K1_COMPRESSED_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');
const K1_PREFIX = Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex');

describe('publicKeyFromSpki', () => {
  it('takes PEM text on Node >= 24 and the object forms before (the faster form of each, measured)', () => {
    expect(PEM_IMPORT).toBe(Number(process.versions.node.split('.')[0]) >= 24);
  });

  it('every form imports the same key: Ed25519 (PEM, DER, JWK), secp256k1 uncompressed (two PEM lines) and compressed', () => {
    const ed = generateKeyPairSync('ed25519').publicKey;
    const edDer = spki(ed);
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: edDer.subarray(-32).toString('base64url') };
    for (const key of [importPem(edDer), importObject(edDer), importObject(edDer, jwk), publicKeyFromSpki(edDer, () => jwk), publicKeyFromSpki(edDer)]) {
      expect(key.equals(ed)).toBe(true);
    }

    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    const k1Der = spki(k1); // 88 bytes: 120 base64 characters
    expect(k1Der.length).toBe(88);
    for (const key of [importPem(k1Der), importObject(k1Der), publicKeyFromSpki(k1Der)]) expect(key.equals(k1)).toBe(true);
    const point = Buffer.from(k1Der.subarray(-65));
    const compressed = Buffer.concat([K1_COMPRESSED_PREFIX, Buffer.from([point[64]! & 1 ? 0x03 : 0x02]), point.subarray(1, 33)]);
    for (const key of [importPem(compressed), importObject(compressed)]) expect(key.export({ format: 'jwk' })).toEqual(k1.export({ format: 'jwk' }));
  });

  it('accepts a view into a larger buffer, and refuses what is not a key in every form', () => {
    const ed = spki(generateKeyPairSync('ed25519').publicKey);
    const padded = Buffer.concat([Buffer.from('junk'), ed, Buffer.from('tail')]);
    const view = padded.subarray(4, 4 + ed.length);
    const expected = createPublicKey({ key: ed, format: 'der', type: 'spki' });
    expect(importPem(view).equals(expected)).toBe(true);
    expect(importObject(view).equals(expected)).toBe(true);
    // An off-curve secp256k1 point: OpenSSL decodes it on import, in both forms.
    const offCurve = Buffer.concat([K1_PREFIX, Buffer.from([0x04]), Buffer.alloc(64, 1)]);
    for (const bad of [offCurve, Buffer.alloc(0), Buffer.from('not a key')]) {
      expect(() => importPem(bad)).toThrow();
      expect(() => importObject(bad)).toThrow();
      expect(() => publicKeyFromSpki(bad)).toThrow();
    }
  });
});
