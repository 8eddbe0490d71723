import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, normalizeHex } from '../../src/lib/hex.js';

/** The contract's rule, spelled out: optional lowercase `0x`, then an even number of hex digits in either case. */
function reference(value: string): Uint8Array | null {
  const m = /^(?:0x)?([0-9a-fA-F]*)$/.exec(value);
  if (!m || m[1]!.length % 2 !== 0) return null;
  const digits = m[1]!.toLowerCase();
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const hexChars = fc.constantFrom(...'0123456789abcdefABCDEF');
const oddChars = fc.constantFrom(...'0123456789abcdefABCDEFxXg \n-+\u0660');

describe('hexToBytes', () => {
  it('decodes either case with or without 0x, and refuses everything else', () => {
    expect(hexToBytes('0x00ffAB')).toEqual(new Uint8Array([0, 255, 171]));
    expect(hexToBytes('00FFab')).toEqual(new Uint8Array([0, 255, 171]));
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
    expect(hexToBytes('0x')).toEqual(new Uint8Array(0));
    for (const bad of ['0', '0x0', '0X00', 'zz', '0x 00', ' 00', '00 ', '00\n', '0x0x00', '+0', '٠٠']) expect(hexToBytes(bad)).toBeNull();
  });

  it('answers as the contract rule on valid and malformed strings (property)', () => {
    const strings = fc.oneof(
      fc.tuple(fc.constantFrom('', '0x', '0X', 'x'), fc.array(hexChars, { maxLength: 70 })).map(([p, cs]) => p + cs.join('')),
      fc.array(oddChars, { maxLength: 20 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(strings, (s) => {
        expect(hexToBytes(s)).toEqual(reference(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a plain Uint8Array of its own, not a view of a shared Buffer pool', () => {
    const bytes = hexToBytes('ab'.repeat(32))!;
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(32);
  });

  it('round-trips with bytesToHex and agrees with normalizeHex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = bytesToHex(bytes);
        expect(hexToBytes(`0x${text.toUpperCase()}`)).toEqual(bytes);
        expect(normalizeHex(`0x${text.toUpperCase()}`)).toBe(text);
      }),
    );
  });
});
