import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MintRecord, RevocationRecord } from '../../../src/server/stores/types.js';
import { freshStores, type StoresFactory } from './conformance.js';

const id = () => randomBytes(8).toString('hex');

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
    const mint = (over: Partial<MintRecord> = {}): MintRecord => ({ kind: 'refresh', id: id(), sub: 's', role: 'wallet', issuedAt: now(), expiresAt: now() + 600, ...over });

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
        expect((await revocations.list(0)).items).toEqual([a, b, c]);
        expect((await revocations.list(t - 10)).items).toEqual([b, c]);
        expect((await revocations.list(t + 1)).items).toEqual([]);
      });

      it('moves the version on every change and answers items: null for the current one', async () => {
        const { revocations } = await fresh();
        const v1 = (await revocations.list(0)).version;
        expect(await revocations.list(0, v1)).toEqual({ items: null, version: v1 });
        const r = rev();
        await revocations.revoke(r);
        const second = await revocations.list(0, v1);
        expect(second.version).not.toBe(v1);
        expect(second.items).toEqual([r]);
        await revocations.revoke(r); // idempotent: no change, same version
        expect((await revocations.list(0, second.version)).items).toBeNull();
      });

      it('drops a record at its exp (and moves the version)', async () => {
        const { revocations, clock, passTime } = await fresh();
        const r = rev({ exp: now() + 1 });
        await revocations.revoke(r);
        const before = await revocations.list(0);
        await passTime((r.exp + 1) * 1000 - clock.now() + 20);
        expect(await revocations.isRevoked(r.jti)).toBe(false);
        const after = await revocations.list(0, before.version);
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
        const { mints, clock, passTime } = await fresh();
        const [keep, gone, short] = [mint(), mint(), mint({ expiresAt: now() + 1 })];
        for (const r of [keep, gone, short]) await mints.add(r);
        await mints.remove(gone.id);
        await mints.remove(gone.id);
        await passTime((short.expiresAt + 1) * 1000 - clock.now() + 20);
        expect(await mints.list(10)).toEqual([keep]);
      });
    });
  });
}
