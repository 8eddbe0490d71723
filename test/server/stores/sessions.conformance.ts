import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MintRecord, RevocationRecord, RevocationStore } from '../../../src/server/stores/types.js';
import { freshStores, type StoresFactory } from './conformance.js';

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = () => randomBytes(8).toString('hex');
const rev = (over: Partial<RevocationRecord> = {}): RevocationRecord => ({ jti: id(), revokedAt: now(), exp: now() + 600, reason: null, revokedBy: 'op', ...over });
/** What a list page carries of a record. */
const entry = ({ jti, revokedAt, exp }: RevocationRecord) => ({ jti, revokedAt, exp });
/** The list order: revocation time, then exp, then jti (byte order). */
const listOrder = (a: RevocationRecord, b: RevocationRecord) => a.revokedAt - b.revokedAt || a.exp - b.exp || (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0);
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
const mint = (over: Partial<MintRecord> = {}): MintRecord => ({ kind: 'refresh', id: id(), sub: 's', role: 'wallet', issuedAt: now(), expiresAt: now() + 600, ...over });

/**
 * The revocation denylist and the mint audit: the same behaviour on every backend. Called by
 * memory.test.ts and redis.test.ts beside runStoreConformance.
 */
export function runSessionStoreConformance(name: string, factory: StoresFactory): void {
  describe(`${name} revocation and mint stores`, () => {
    const fresh = freshStores(factory);

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

      it('keeps a cursor valid while records are added and pruned: nothing skipped, nothing repeated', async () => {
        const { revocations } = await fresh();
        const t = now();
        const [short, a, b, c] = [rev({ revokedAt: t - 40, exp: t + 1 }), rev({ revokedAt: t - 30 }), rev({ revokedAt: t - 20 }), rev({ revokedAt: t - 10 })];
        for (const r of [short, a, b, c]) await revocations.revoke(r);
        const first = await revocations.list({ since: 0, limit: 2 });
        expect(first.items).toEqual([short, a].map(entry));
        expect(first.next).not.toBeNull();
        await sleep((short.exp + 1) * 1000 - Date.now() + 20); // `short` expires
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
        expect(await revocations.list(all(), v1)).toEqual({ items: null, version: v1, next: null });
        const r = rev();
        await revocations.revoke(r);
        const second = await revocations.list(all(), v1);
        expect(second.version).not.toBe(v1);
        expect(second.items).toEqual([entry(r)]);
        await revocations.revoke(r); // idempotent: no change, same version
        expect((await revocations.list(all(), second.version)).items).toBeNull();
      });

      it('drops a record at its exp (and moves the version)', async () => {
        const { revocations } = await fresh();
        const r = rev({ exp: now() + 1 });
        await revocations.revoke(r);
        const before = await revocations.list(all());
        await sleep((r.exp + 1) * 1000 - Date.now() + 20);
        expect(await revocations.isRevoked(r.jti)).toBe(false);
        const after = await revocations.list(all(), before.version);
        expect(after.items).toEqual([]);
        expect(after.version).not.toBe(before.version);
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
        const records = [mint({ sub: 'a' }), mint({ sub: 'b', kind: 'service', scopes: ['x:*'] }), mint({ sub: 'c' })];
        for (const r of records) await mints.add(r);
        expect(await mints.list(10)).toEqual([...records].reverse());
        expect(await mints.list(2)).toEqual([records[2], records[1]]);
      });

      it('forgets removed and expired records', async () => {
        const { mints } = await fresh();
        const [keep, gone, short] = [mint(), mint(), mint({ expiresAt: now() + 1 })];
        for (const r of [keep, gone, short]) await mints.add(r);
        await mints.remove(gone.id);
        await mints.remove(gone.id);
        await sleep((short.expiresAt + 1) * 1000 - Date.now() + 20);
        expect(await mints.list(10)).toEqual([keep]);
      });
    });
  });
}
