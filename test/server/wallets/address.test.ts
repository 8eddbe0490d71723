import { createHash } from 'node:crypto';
import { computeAddress, getAddress, hexlify, randomBytes } from 'ethers';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, evmAddressFromPublicKey, toChecksumAddress } from '../../../src/server/wallets/address.js';
import { expectAuthError } from './expect-error.js';

const hex = (n: number) => Buffer.from(randomBytes(n)).toString('hex');

describe('canonicalAddress: EVM addresses', () => {
  it('accepts all-lowercase, all-uppercase and EIP-55 checksummed forms, canonical lowercase 0x', () => {
    const lower = `0x${hex(20)}`;
    expect(canonicalAddress(lower)).toBe(lower);
    expect(canonicalAddress(`0x${lower.slice(2).toUpperCase()}`)).toBe(lower);
    expect(canonicalAddress(getAddress(lower))).toBe(lower);
  });

  it('refuses a mixed-case address whose checksum is wrong', async () => {
    // The checksum of this well-known address (EIP-55 test vector) with one letter's case flipped.
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    expect(canonicalAddress(good)).toBe(good.toLowerCase());
    const bad = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD';
    const err = await expectAuthError(() => canonicalAddress(bad), 400, 'invalid_address');
    expect(err.message).toMatch(/EIP-55/);
  });

  it('matches ethers on every case pattern (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (bytes, flips) => {
        const checksummed = getAddress(hexlify(bytes));
        const lower = checksummed.toLowerCase();
        expect(toChecksumAddress(lower)).toBe(checksummed);
        const digits = [...checksummed.slice(2)].map((c, i) => (flips[i] ? c.toLowerCase() : c.toUpperCase())).join('');
        const candidate = `0x${digits}`;
        const valid = digits === digits.toLowerCase() || digits === digits.toUpperCase() || candidate === checksummed;
        if (valid) expect(canonicalAddress(candidate)).toBe(lower);
        else expect(() => canonicalAddress(candidate)).toThrow(/EIP-55/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('canonicalAddress: public keys', () => {
  it.each([32, 33, 65])('accepts a %i-byte key, with or without 0x, either case', (n) => {
    const key = hex(n);
    expect(canonicalAddress(key)).toBe(key);
    expect(canonicalAddress(`0x${key.toUpperCase()}`)).toBe(key);
  });

  it('reduces a 1952-byte (ML-DSA-65) key to mldsa65- + SHA-256 of the key bytes, and accepts that compact form', () => {
    const key = hex(1952);
    // Derived here with node:crypto, independently of the @noble/hashes call under test.
    const compact = `mldsa65-${createHash('sha256').update(Buffer.from(key, 'hex')).digest('hex')}`;
    expect(compact).toHaveLength(72);
    expect(canonicalAddress(key)).toBe(compact);
    expect(canonicalAddress(`0x${key.toUpperCase()}`)).toBe(compact);
    expect(canonicalAddress(compact)).toBe(compact);
    expect(canonicalAddress(`mldsa65-${compact.slice(8).toUpperCase()}`)).toBe(compact);
  });

  it.each([
    ['a number', 12],
    ['null', null],
    ['an object', { address: '0x00' }],
    ['an array', ['00']],
    ['empty', ''],
    ['only 0x', '0x'],
    ['odd-length hex', 'abc'],
    ['non-hex characters', 'zz'.repeat(32)],
    ['hex with spaces', ` ${'ab'.repeat(32)}`],
    ['0x + 39 hex', `0x${'a'.repeat(39)}`],
    ['40 hex without 0x (20 bytes: no key has that size)', 'a'.repeat(40)],
    ['a 31-byte key', 'ab'.repeat(31)],
    ['a 64-byte key', 'ab'.repeat(64)],
    ['1953 bytes (longer than ML-DSA-65)', 'ab'.repeat(1953)],
    ['mldsa65- + 63 hex', `mldsa65-${'a'.repeat(63)}`],
    ['mldsa65- + 65 hex', `mldsa65-${'a'.repeat(65)}`],
    ['MLDSA65- prefix in upper case', `MLDSA65-${'a'.repeat(64)}`],
    ['0x + mldsa65 address', `0xmldsa65-${'a'.repeat(64)}`],
    ['a megabyte string', 'a'.repeat(1 << 20)],
  ])('refuses %s with 400 invalid_address', async (_name, value) => {
    await expectAuthError(() => canonicalAddress(value), 400, 'invalid_address');
  });
});

describe('evmAddressFromPublicKey', () => {
  it('matches ethers for compressed and uncompressed keys of the same secret', () => {
    for (let i = 0; i < 5; i++) {
      const { secretKey } = secp256k1.keygen();
      const compressed = secp256k1.getPublicKey(secretKey, true);
      const uncompressed = secp256k1.getPublicKey(secretKey, false);
      const expected = computeAddress(hexlify(uncompressed)).toLowerCase();
      expect(evmAddressFromPublicKey(compressed)).toBe(expected);
      expect(evmAddressFromPublicKey(uncompressed)).toBe(expected);
    }
  });

  it('throws for bytes that are not a point on the curve', () => {
    expect(() => evmAddressFromPublicKey(new Uint8Array([4, ...new Uint8Array(64).fill(1)]))).toThrow();
    expect(() => evmAddressFromPublicKey(new Uint8Array(20))).toThrow();
  });
});
