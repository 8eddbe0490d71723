import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToUuid, PACKED_RECORD_BYTES } from '../../../src/client/packed-revocations.js';
import type { MintRecord, RevocationEntry, RevocationRecord, RevocationStore } from '../../../src/server/stores/types.js';
import { freshStores, type StoresFactory } from './conformance.js';

const id = () => randomBytes(8).toString('hex');
/** What a list page carries of a record. */
const entry = ({ jti, revokedAt, exp }: RevocationRecord) => ({ jti, revokedAt, exp });
/** The list order: revocation time, then exp, then jti (byte order). */
const listOrder = (a: RevocationRecord, b: RevocationRecord) => a.revokedAt - b.revokedAt || a.exp - b.exp || (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0);
const entryOrder = (a: RevocationEntry, b: RevocationEntry) => a.revokedAt - b.revokedAt || a.exp - b.exp || (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0);
/** The records of a packed page (24 bytes each: UUID, revoked_at, exp). */
function unpack(bytes: Buffer): RevocationEntry[] {
  expect(bytes.length % PACKED_RECORD_BYTES).toBe(0);
  const out: RevocationEntry[] = [];
  for (let o = 0; o < bytes.length; o += PACKED_RECORD_BYTES) out.push({ jti: bytesToUuid(bytes, o), revokedAt: bytes.readUInt32BE(o + 16), exp: bytes.readUInt32BE(o + 20) });
  return out;
}
const all = (since = 0) => ({ since, limit: 10_000 });
/** Every page from `since`, `limit` records at a time, following `next`. */
async function readPages(store: RevocationStore, since: number, limit: number) {
  const pages: { jti: string }[][] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.list({ since, after, limit });
    expect(page.items!.length).toBeLessThanOrEqual(limit);
    pages.push(page.items!);
    if (page.next === null) return pages;
    after = page.next;
  }
  throw new Error('the pages never ended');
}

/**
 * The revocation denylist and the mint audit: the same behaviour on every backend. Called by
 * memory.test.ts and redis.test.ts beside runStoreConformance.
 */
export function runSessionStoreConformance(name: string, factory: StoresFactory): void {
  describe(`${name} revocation and mint stores`, () => {
    const opened = freshStores(factory);
    // Records are dated by the stores' (fake) clock.
    let now = () => 0;
    const fresh = async () => {
      const s = await opened();
      now = () => s.clock.seconds();
      return s;
    };
    const rev = (over: Partial<RevocationRecord> = {}): RevocationRecord => ({ jti: id(), revokedAt: now(), exp: now() + 600, reason: null, revokedBy: 'op', ...over });
    const mint = (over: Partial<MintRecord> = {}): MintRecord => ({ kind: 'wallet', id: id(), sub: 's', role: 'wallet', issuedAt: now(), expiresAt: now() + 600, ...over });

    describe('revocations', () => {
      it('records once: a second revoke returns the original record unchanged', async () => {
        const { revocations } = await fresh();
        const first = rev({ reason: 'first' });
        expect(await revocations.revoke(first)).toEqual({ record: first, created: true });
        expect(await revocations.revoke({ ...first, reason: 'second', revokedBy: 'other', revokedAt: first.revokedAt + 5 })).toEqual({ record: first, created: false });
        expect(await revocations.isRevoked(first.jti)).toBe(true);
        expect(await revocations.isRevoked(id())).toBe(false);
      });

      it('lists records revoked at or after `since`, oldest first', async () => {
        const { revocations } = await fresh();
        const t = now();
        const [a, b, c] = [rev({ revokedAt: t - 20 }), rev({ revokedAt: t - 10 }), rev({ revokedAt: t })];
        for (const r of [c, a, b]) await revocations.revoke(r);
        expect((await revocations.list(all(0))).items).toEqual([a, b, c].map(entry));
        expect((await revocations.list(all(t - 10))).items).toEqual([b, c].map(entry));
        expect(await revocations.list(all(t + 1))).toMatchObject({ items: [], next: null });
      });

      it('pages through the list with a cursor: every record once, in order, ties within a second split across pages', async () => {
        const { revocations } = await fresh();
        const t = now();
        const records = [
          rev({ revokedAt: t - 30 }),
          ...Array.from({ length: 5 }, () => rev({ revokedAt: t - 20 })), // one second, same exp: ordered by jti
          rev({ revokedAt: t - 20, exp: now() + 300 }), // same second, sooner exp: first of that second
          rev({ revokedAt: t - 10 }),
        ];
        for (const r of [...records].reverse()) await revocations.revoke(r);
        const expected = [...records].sort(listOrder).map(entry);
        for (const limit of [1, 2, 3, 8, 100]) {
          const pages = await readPages(revocations, 0, limit);
          expect(pages.flat(), `limit ${limit}`).toEqual(expected);
        }
        expect((await readPages(revocations, t - 20, 3)).flat()).toEqual(expected.slice(1));
      });

      it('says how many records the list holds from each page on (a hint to size a client\'s set)', async () => {
        const { revocations } = await fresh();
        const t = now();
        const records = Array.from({ length: 7 }, (_, i) => rev({ revokedAt: t - 70 + i * 10 }));
        for (const r of records) await revocations.revoke(r);
        for (const packed of [false, true]) {
          let after: string | undefined;
          const seen: number[] = [];
          let read = 0;
          for (;;) {
            const page = await revocations.list({ since: 0, after, limit: 3, packed });
            seen.push(page.remaining);
            read += page.items!.length + (page.packed?.length ?? 0) / PACKED_RECORD_BYTES;
            if (page.next === null) break;
            after = page.next;
          }
          expect(seen, `packed ${packed}`).toEqual([7, 4, 1]);
          expect(read).toBe(7);
        }
        // From `since` on: what is at or after it.
        expect((await revocations.list({ since: records[5]!.revokedAt, limit: 1 })).remaining).toBe(2);
        expect((await revocations.list({ since: t + 1, limit: 1 })).remaining).toBe(0);
      });

      it('keeps a cursor valid while records are added and pruned: nothing skipped, nothing repeated', async () => {
        const { revocations, clock, passTime } = await fresh();
        const t = now();
        const [short, a, b, c] = [rev({ revokedAt: t - 40, exp: t + 1 }), rev({ revokedAt: t - 30 }), rev({ revokedAt: t - 20 }), rev({ revokedAt: t - 10 })];
        for (const r of [short, a, b, c]) await revocations.revoke(r);
        const first = await revocations.list({ since: 0, limit: 2 });
        expect(first.items).toEqual([short, a].map(entry));
        expect(first.next).not.toBeNull();
        await passTime((short.exp + 1) * 1000 - clock.now() + 20); // `short` expires
        const late = rev({ revokedAt: now() });
        await revocations.revoke(late);
        const rest = await revocations.list({ since: 0, after: first.next!, limit: 10 });
        expect(rest.items).toEqual([b, c, late].map(entry));
        expect(rest.next).toBeNull();
        expect(rest.version).not.toBe(first.version);
        // A cursor from before the `since` floor starts at the floor; one after it wins.
        expect((await revocations.list({ since: b.revokedAt, after: first.next!, limit: 10 })).items).toEqual([b, c, late].map(entry));
        expect((await revocations.list({ since: 0, after: first.next!, limit: 1 })).items).toEqual([entry(b)]);
      });

      it('moves the version on every change and answers items: null for the current one', async () => {
        const { revocations } = await fresh();
        const v1 = (await revocations.list(all())).version;
        expect(await revocations.list(all(), v1)).toEqual({ items: null, version: v1, next: null, remaining: 0 });
        const r = rev();
        await revocations.revoke(r);
        const second = await revocations.list(all(), v1);
        expect(second.version).not.toBe(v1);
        expect(second.items).toEqual([entry(r)]);
        await revocations.revoke(r); // idempotent: no change, same version
        expect((await revocations.list(all(), second.version)).items).toBeNull();
      });

      it('drops a record at its exp (and moves the version)', async () => {
        const { revocations, clock, passTime } = await fresh();
        const r = rev({ exp: now() + 1 });
        await revocations.revoke(r);
        const before = await revocations.list(all());
        await passTime((r.exp + 1) * 1000 - clock.now() + 20);
        expect(await revocations.isRevoked(r.jti)).toBe(false);
        const after = await revocations.list(all(), before.version);
        expect(after.items).toEqual([]);
        expect(after.version).not.toBe(before.version);
      });

      it('reads the same pages in the packed form: UUID records as 24 bytes, any other plain, same cursors', async () => {
        const { revocations, clock, passTime } = await fresh();
        const t = now();
        const records = [
          rev({ jti: randomUUID(), revokedAt: t - 40, exp: t + 1 }), // expires before the read
          ...Array.from({ length: 6 }, (_, i) => rev({ jti: randomUUID(), revokedAt: t - 30 + i })),
          rev({ jti: 'not-a-uuid.7', revokedAt: t - 27 }),
          rev({ jti: randomUUID().toUpperCase(), revokedAt: t - 26 }), // a UUID, but not the lowercase form: plain
          rev({ jti: randomUUID(), revokedAt: t - 20 }),
        ];
        for (const r of records) await revocations.revoke(r);
        await passTime((t + 2) * 1000 - clock.now() + 20);
        const live = records.slice(1).sort(listOrder).map(entry);
        for (const [since, limit] of [[0, 3], [0, 100], [t - 27, 2], [t - 20, 1]] as const) {
          const plain: RevocationEntry[] = [];
          const packed: RevocationEntry[] = [];
          let after: string | undefined;
          for (let guard = 0; ; guard++) {
            expect(guard).toBeLessThan(20);
            const a = await revocations.list({ since, after, limit });
            const b = await revocations.list({ since, after, limit, packed: true });
            expect(b.next).toBe(a.next);
            expect(b.version).toBe(a.version);
            expect(a.packed).toBeUndefined();
            const unpacked = unpack(b.packed!);
            // Every record once, in one form or the other, each form in list order.
            expect([...unpacked, ...b.items!].sort(entryOrder)).toEqual(a.items);
            expect(b.items!.every((e) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(e.jti))).toBe(true);
            expect(unpacked).toEqual(a.items!.filter((e) => unpacked.some((u) => u.jti === e.jti)));
            plain.push(...a.items!);
            packed.push(...unpacked, ...b.items!);
            if (a.next === null) break;
            after = a.next;
          }
          expect(plain, `since ${since}, limit ${limit}`).toEqual(live.filter((e) => e.revokedAt >= since));
          expect(packed.sort(entryOrder)).toEqual(plain);
        }
        const v = (await revocations.list(all())).version;
        expect(await revocations.list({ ...all(), packed: true }, v)).toMatchObject({ items: null, version: v, next: null });
      });

      it('records exactly once under concurrent revokes of one jti', async () => {
        const { revocations } = await fresh();
        const jti = id();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => revocations.revoke(rev({ jti, reason: `r${i}` }))));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.record.reason)).size).toBe(1);
      });
    });

    describe('mints', () => {
      it('lists newest first, up to limit, including records minted in the same second', async () => {
        const { mints } = await fresh();
        const records = [mint({ sub: 'a' }), mint({ sub: 'b', kind: 'service', scopes: ['x:*'] }), mint({ sub: 'c', kind: 'admin', role: 'operator' })];
        for (const r of records) await mints.add(r);
        expect(await mints.list({ limit: 10 })).toEqual({ items: [...records].reverse() });
        expect((await mints.list({ limit: 2 })).items).toEqual([records[2], records[1]]);
      });

      it('writes a batch: adds in order, then removes (an id added and removed in one batch is gone)', async () => {
        const { mints } = await fresh();
        const [a, b, c] = [mint({ sub: 'a' }), mint({ sub: 'b', kind: 'service' }), mint({ sub: 'c' })];
        await mints.add(a);
        await mints.write({ add: [b, c], remove: [a.id, c.id] });
        expect((await mints.list({ limit: 10, kind: 'service' })).items).toEqual([b]);
        expect((await mints.list({ limit: 10, kind: 'wallet' })).items).toEqual([]);
        expect((await mints.list({ limit: 10 })).items).toEqual([b]);
        await mints.write({ add: [], remove: [] });
        expect((await mints.list({ limit: 10 })).items).toEqual([b]);
      });

      it('forgets removed and expired records', async () => {
        const { mints, clock, passTime } = await fresh();
        const [keep, gone, short] = [mint(), mint(), mint({ expiresAt: now() + 1 })];
        for (const r of [keep, gone, short]) await mints.add(r);
        await mints.remove(gone.id);
        await mints.remove(gone.id);
        await passTime((short.expiresAt + 1) * 1000 - clock.now() + 20);
        expect(await mints.list({ limit: 10 })).toEqual({ items: [keep] });
      });

      it('pages by cursor: every record once, newest first, unaffected by records added meanwhile', async () => {
        const { mints } = await fresh();
        const records = Array.from({ length: 7 }, (_, i) => mint({ sub: `s${i}` }));
        for (const r of records) await mints.add(r);
        const seen: MintRecord[] = [];
        let page = await mints.list({ limit: 3 });
        await mints.add(mint({ sub: 'later' })); // newer than the first page: never shows up on later pages
        for (;;) {
          seen.push(...page.items);
          if (!page.next) break;
          page = await mints.list({ limit: 3, cursor: page.next });
        }
        expect(seen).toEqual([...records].reverse());
        // The last full page says there is nothing more rather than pointing at an empty one.
        expect((await mints.list({ limit: 7 })).items).toHaveLength(7);
        expect((await mints.list({ limit: 8 })).next).toBeUndefined();
      });

      it('filters by kind, so a flood of one kind cannot hide another', async () => {
        const { mints } = await fresh();
        const service = mint({ kind: 'service', sub: 'agent-1', role: 'agent' });
        const admin = mint({ kind: 'admin', sub: 'ops@example.test', role: 'operator' });
        await mints.add(service);
        await mints.add(admin);
        for (let i = 0; i < 30; i++) await mints.add(mint({ sub: `w${i}` }));
        expect((await mints.list({ limit: 10 })).items.every((m) => m.kind === 'wallet')).toBe(true);
        expect(await mints.list({ limit: 10, kind: 'service' })).toEqual({ items: [service] });
        expect(await mints.list({ limit: 10, kind: 'admin' })).toEqual({ items: [admin] });
        const wallets = await mints.list({ limit: 20, kind: 'wallet' });
        expect(wallets.items).toHaveLength(20);
        const rest = await mints.list({ limit: 20, kind: 'wallet', cursor: wallets.next! });
        expect(rest.items).toHaveLength(10);
        expect(rest.next).toBeUndefined();
        // A record minted again (same id) under another kind moves to that kind only.
        await mints.add({ ...service, kind: 'admin' });
        expect((await mints.list({ limit: 10, kind: 'service' })).items).toEqual([]);
        expect((await mints.list({ limit: 10, kind: 'admin' })).items.map((m) => m.id)).toEqual([service.id, admin.id]);
        await mints.remove(admin.id);
        expect((await mints.list({ limit: 10, kind: 'admin' })).items.map((m) => m.id)).toEqual([service.id]);
      });
    });
  });
}
