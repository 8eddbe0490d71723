import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JtiSet } from '../../src/client/jti-set.js';

describe('JtiSet', () => {
  it('agrees with a Map over 50k UUIDs and other jtis through growth, updates, prunes and re-adds', () => {
    const set = new JtiSet(16);
    const ref = new Map<string, number>();
    const ids = Array.from({ length: 50_000 }, (_, i) => (i % 10 === 0 ? `other-${i}` : randomUUID()));
    ids.forEach((id, i) => {
      expect(set.add(id, 1000 + (i % 100))).toBe(true);
      ref.set(id, 1000 + (i % 100));
    });
    expect(set.size).toBe(ref.size);
    // Adding again updates exp and says it was there.
    expect(set.add(ids[7]!, 5000)).toBe(false);
    ref.set(ids[7]!, 5000);
    expect(set.pruneBefore(1050)).toBe([...ref.values()].filter((e) => e < 1050).length);
    for (const [id, exp] of ref) if (exp < 1050) ref.delete(id);
    expect(set.size).toBe(ref.size);
    // One assertion over the whole list: 100k expect() calls cost seconds on a loaded CI machine.
    expect(ids.filter((id) => set.has(id) !== ref.has(id))).toEqual([]);
    // Tombstones are skipped by lookups and reused by adds; a later resize drops them.
    const pruned = ids.filter((id) => !ref.has(id));
    for (const id of pruned.slice(0, 1000)) expect(set.add(id, 9000)).toBe(true);
    for (const id of Array.from({ length: 60_000 }, () => randomUUID())) set.add(id, 9000);
    expect(pruned.slice(0, 1000).filter((id) => !set.has(id))).toEqual([]);
    expect(pruned.slice(1000).filter((id) => set.has(id))).toEqual([]);
    expect([...ref.keys()].filter((id) => !set.has(id))).toEqual([]);
    expect(set.size).toBe(ref.size + 1000 + 60_000);
  });

  it('tells jtis apart exactly: case, near misses and non-UUID strings', () => {
    const set = new JtiSet();
    const id = '0123abcd-4567-89ef-0123-456789abcdef';
    set.add(id, 2000);
    expect(set.has(id)).toBe(true);
    expect(set.has(id.toUpperCase())).toBe(false); // another jti: compared as a string
    expect(set.has('0123abcd-4567-89ef-0123-456789abcdee')).toBe(false);
    expect(set.has('0123abcd-4567-89ef-0123-456789abcde')).toBe(false);
    expect(set.has('0123abcd-4567-89ef-0123-456789abcdefg')).toBe(false);
    expect(set.has('0123abcd+4567-89ef-0123-456789abcdef')).toBe(false);
    set.add(id.toUpperCase(), 2000);
    expect(set.has(id.toUpperCase())).toBe(true);
    expect(set.size).toBe(2);
  });

  it('holds a million UUIDs in typed arrays of about 40 bytes per entry', () => {
    const set = new JtiSet();
    for (let i = 0; i < 1_000_000; i++) set.add(randomUUID(), 2_000_000_000);
    expect(set.size).toBe(1_000_000);
    expect(set.bytes).toBeLessThanOrEqual(48 * 1_000_000);
  });
});
