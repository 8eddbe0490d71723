import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JtiSet } from '../../src/client/jti-set.js';
import { bytesToUuid, packPosition, packRevocations, PACKED_RECORD_BYTES, parseRevocationsBody, unpackRevocations, uuidToBytes } from '../../src/client/packed-revocations.js';
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
    // Every way a string can fail to be canonical base64 of whole records, as a string and as bytes.
    const bad = [
      `${text.slice(0, 31)}=`, // padding
      `${text.slice(0, 31)} `,
      `${text.slice(0, 31)}\n`,
      `${text.slice(0, 31)}-`, // base64url's alphabet
      `${text.slice(0, 31)}_`,
      `${text.slice(0, 31)}\u0141`, // latin1 would fold U+0141 onto 'A'
      `${text.slice(0, 31)}é`,
      `${text.slice(1)}A`.replace(/^./, '\u0000'),
    ];
    for (const str of bad) {
      expect(unpackRevocations(str), JSON.stringify(str)).toBeUndefined();
      if (Buffer.byteLength(str) === str.length) expect(unpackRevocations(Buffer.from(str, 'latin1')), JSON.stringify(str)).toBeUndefined();
    }
    // Into a buffer of the caller's (one per load): the same records, written there.
    const out = new Uint8Array(packed.length + 48);
    const into = unpackRevocations(Buffer.from(text, 'latin1'), out)!;
    expect(into.buffer).toBe(out.buffer);
    expect(Buffer.from(into)).toEqual(packed);
    // Too small a buffer: a new one, never a partial write.
    expect(Buffer.from(unpackRevocations(text, new Uint8Array(3))!)).toEqual(packed);
  });

  it('JtiSet.addPacked holds exactly what add() of the lowercase strings holds', () => {
    const set = new JtiSet(16);
    const entries = Array.from({ length: 5000 }, (_, i) => ({ jti: randomUUID(), revokedAt: 500 + i, exp: 1000 + (i % 7) }));
    const { packed, plain } = packRevocations(entries);
    expect(plain).toEqual([]);
    expect(set.addPacked(packed)).toBe(entries.length);
    expect(set.size).toBe(entries.length);
    expect(entries.filter((e) => !set.has(e.jti))).toEqual([]);
    expect(entries.filter((e) => set.has(e.jti.toUpperCase()))).toEqual([]);
    expect(set.add(entries[3]!.jti, 5000)).toBe(false); // the same entry
    // Again, with entry 3's exp now 999 and one new record: only that one is new.
    const again = packRevocations([{ ...entries[3]!, exp: 999 }, ...entries.slice(10, 20), { jti: randomUUID(), revokedAt: 1, exp: 2000 }]);
    expect(set.addPacked(again.packed)).toBe(1);
    expect(set.size).toBe(entries.length + 1);
    expect(set.pruneBefore(1000)).toBe(1); // entry 3, whose exp is now 999
    expect(set.has(entries[3]!.jti)).toBe(false);
    expect(set.has(randomUUID())).toBe(false);
  });

  it('JtiSet.reserve makes room once: what follows adds without growing the table', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ jti: randomUUID(), revokedAt: i, exp: 5000 }));
    const pages = [0, 1, 2, 3].map((p) => packRevocations(entries.slice(p * 5000, (p + 1) * 5000)).packed);
    const grown = new JtiSet();
    const sizes = pages.map((page) => (grown.addPacked(page), grown.bytes));
    expect(new Set(sizes).size).toBeGreaterThan(1); // without a hint the table doubles on the way

    const reserved = new JtiSet();
    reserved.reserve(entries.length);
    const before = reserved.bytes;
    for (const page of pages) reserved.addPacked(page);
    expect(reserved.bytes).toBe(before);
    expect(reserved.size).toBe(entries.length);
    expect(reserved.bytes).toBe(grown.bytes); // the same table it would have grown to
    expect(entries.filter((e) => !reserved.has(e.jti))).toEqual([]);
    // Hints that are not counts change nothing.
    for (const n of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) reserved.reserve(n);
    expect(reserved.bytes).toBe(before);
  });

  it('parseRevocationsBody gives what JSON.parse of the UTF-8 text gives (packed as its bytes or as the string), or throws where it throws', () => {
    // The fast path gives `packed` as the string's bytes, a view of the body: compared as the string.
    const asText = (parsed: unknown) => {
      const o = parsed as { packed?: unknown } | null;
      if (o && o.packed instanceof Uint8Array) return { ...o, packed: Buffer.from(o.packed).toString('latin1') };
      return parsed;
    };
    const b64 = packRevocations(Array.from({ length: 30 }, (_, i) => ({ jti: randomUUID(), revokedAt: i, exp: 9 }))).packed.toString('base64');
    const bodies = [
      `{"packed":"${b64}","items":[],"next_cursor":"abc","remaining":30}`, // the service's layout
      `{"packed":"${b64}","items":[{"jti":"é-ü","revoked_at":1,"exp":2}],"next_cursor":null,"remaining":1}`,
      `{"packed":"","items":[],"next_cursor":null}`,
      `{"packed":"${b64}"}`,
      `{"packed":"${b64.replace('/', '\\/')}","items":[]}`, // an escape inside: parsed whole
      `{"packed":"${b64}","items":[],"packed":"AAAA"}`, // a later duplicate wins
      `{"packed":"${b64}","packed":""}`,
      `{"packed":"${b64}","items":[{"jti":"\\"packed\\"","revoked_at":1,"exp":2}]}`, // "packed" in a value: parsed whole, same answer
      `{"packed":"abcé","items":[]}`, // not ASCII: parsed whole
      `\ufeff{"packed":"${b64}","items":[]}`, // a BOM: stripped, as response.json() does
      `{ "packed": "${b64}", "items": [] }`, // another layout: parsed whole
      `{"items":[{"jti":"a","revoked_at":1,"exp":2}],"next_cursor":null}`, // plain JSON
      `{"packed":"${b64}`, // cut short
      `{"packed":"${b64}",`,
      `{"packed":"${b64}"}}`,
      `{"packed":"${b64}","items":[}`,
      `{"packed":"`,
      `[1,2]`,
      ``,
      `null`,
    ];
    for (const text of bodies) {
      const bytes = Buffer.from(text);
      let want: unknown;
      let wantError = false;
      try {
        want = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        wantError = true;
      }
      if (wantError) expect(() => parseRevocationsBody(bytes), text.slice(0, 60)).toThrow(SyntaxError);
      else expect(asText(parseRevocationsBody(bytes)), text.slice(0, 60)).toEqual(want);
    }
    // A body with invalid UTF-8 after the string: replaced, as TextDecoder and response.json() do.
    const bad = Buffer.concat([Buffer.from(`{"packed":"${b64}","items":[{"jti":"`), Buffer.from([0xff, 0xfe]), Buffer.from('","revoked_at":1,"exp":2}]}')]);
    expect(asText(parseRevocationsBody(bad))).toEqual(JSON.parse(new TextDecoder().decode(bad)));
    // The service's layout is read without a copy of the string, and unpacks as the string does.
    const body = Buffer.from(`{"packed":"${b64}","items":[],"next_cursor":null}`);
    const fast = parseRevocationsBody(body) as { packed: Uint8Array };
    expect(fast.packed).toBeInstanceOf(Uint8Array);
    expect(fast.packed.buffer).toBe(body.buffer);
    expect(unpackRevocations(fast.packed)).toEqual(unpackRevocations(b64));
  });
});
