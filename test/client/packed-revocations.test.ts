import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JtiSet } from '../../src/client/jti-set.js';
import { bytesToUuid, packPosition, packRevocations, PACKED_RECORD_BYTES, unpackRevocations, uuidToBytes } from '../../src/client/packed-revocations.js';
import { positionOf } from '../../src/server/stores/revocation-order.js';

describe('the packed revoked-jtis form', () => {
  it('packs lowercase UUIDs with 32-bit times and leaves every other record plain, in order', () => {
    const uuids = Array.from({ length: 4 }, () => randomUUID());
    const entries = [
      { jti: uuids[0]!, revokedAt: 1_796_000_000, exp: 1_796_003_600 },
      { jti: 'other-jti', revokedAt: 1, exp: 2 },
      { jti: uuids[1]!, revokedAt: 0, exp: 0xffffffff },
      { jti: uuids[2]!.toUpperCase(), revokedAt: 5, exp: 6 },
      { jti: uuids[2]!, revokedAt: 5, exp: 2 ** 32 }, // exp past 32 bits: plain
      { jti: `${uuids[3]!.slice(0, 35)}g`, revokedAt: 5, exp: 6 }, // not hex
      { jti: uuids[3]!, revokedAt: 7, exp: 8 },
    ];
    const { packed, plain } = packRevocations(entries);
    expect(plain).toEqual([entries[1], entries[3], entries[4], entries[5]]);
    expect(packed.length).toBe(3 * PACKED_RECORD_BYTES);
    const back = [0, 1, 2].map((i) => ({ jti: bytesToUuid(packed, i * 24), revokedAt: packed.readUInt32BE(i * 24 + 16), exp: packed.readUInt32BE(i * 24 + 20) }));
    expect(back).toEqual([entries[0], entries[2], entries[6]]);
    // The store's byte path packs the same bytes from a list position.
    const out = Buffer.alloc(24);
    for (const i of [0, 2, 6]) {
      expect(packPosition(Buffer.from(positionOf(entries[i]!)), out, 0)).toBe(true);
      expect(out).toEqual(packRevocations([entries[i]!]).packed);
    }
    for (const i of [1, 3, 4, 5]) expect(packPosition(Buffer.from(positionOf(entries[i]!)), out, 0), entries[i]!.jti).toBe(false);
    expect(packPosition(Buffer.from(positionOf(entries[0]!).replace(':', ';')), out, 0)).toBe(false);
  });

  it('reads only whole records of base64: a truncated or corrupted string is refused', () => {
    const { packed } = packRevocations([{ jti: randomUUID(), revokedAt: 10, exp: 20 }, { jti: randomUUID(), revokedAt: 11, exp: 21 }]);
    const text = packed.toString('base64');
    expect(unpackRevocations(text)).toEqual(packed);
    expect(unpackRevocations('')).toEqual(Buffer.alloc(0));
    expect(unpackRevocations(text.slice(0, 32 + 4))).toBeUndefined(); // not whole records
    expect(unpackRevocations(`${text.slice(0, 31)}!`)).toBeUndefined(); // a character base64 skips
    expect(unpackRevocations(`${text.slice(0, 30)}==`)).toBeUndefined(); // padding: not 24-byte records
    expect(unpackRevocations(12)).toBeUndefined();
  });

  it('JtiSet.addBytes holds exactly what add() of the lowercase string holds', () => {
    const set = new JtiSet(16);
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    const bytes = Buffer.alloc(16 * ids.length);
    ids.forEach((id, i) => expect(uuidToBytes(id, bytes, i * 16)).toBe(true));
    ids.forEach((_, i) => expect(set.addBytes(bytes, i * 16, 1000 + (i % 7))).toBe(true));
    expect(set.size).toBe(ids.length);
    expect(ids.filter((id) => !set.has(id))).toEqual([]);
    expect(ids.filter((id) => set.has(id.toUpperCase()))).toEqual([]);
    expect(set.add(ids[3]!, 5000)).toBe(false); // the same entry
    expect(set.addBytes(bytes, 3 * 16, 999)).toBe(false);
    expect(set.pruneBefore(1000)).toBe(1); // its exp is now 999
    expect(set.has(ids[3]!)).toBe(false);
    expect(set.has(randomUUID())).toBe(false);
  });
});
