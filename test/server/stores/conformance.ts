import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stores } from '../../../src/server/stores/types.js';

/** Makes a fresh, empty set of stores (a unique key prefix for Redis). */
export type StoresFactory = () => Promise<Stores>;

const nonce = () => randomBytes(32).toString('hex');
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Returns a maker of fresh stores for each test, closing them after it (call inside a describe). */
export function freshStores(factory: StoresFactory): () => Promise<Stores> {
  const opened: Stores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async () => {
    const s = await factory();
    opened.push(s);
    return s;
  };
}

/**
 * The one behaviour suite every store backend passes (memory, Redis). Each test gets fresh stores
 * and checks only behaviour. TTL tests use real (short) time because Redis expiry cannot be faked.
 */
export function runStoreConformance(name: string, factory: StoresFactory): void {
  describe(`${name} store conformance`, () => {
    const fresh = freshStores(factory);

    describe('challenges', () => {
      it('returns a stored challenge once, then null', async () => {
        const { challenges } = await fresh();
        const rec = { nonce: nonce(), address: 'ab'.repeat(32), issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(rec, 60);
        expect(await challenges.consume(rec.nonce)).toEqual(rec);
        expect(await challenges.consume(rec.nonce)).toBeNull();
      });

      it('returns null for an unknown nonce', async () => {
        const { challenges } = await fresh();
        expect(await challenges.consume(nonce())).toBeNull();
      });

      it('keeps several challenges for one address; one never cancels another', async () => {
        const { challenges } = await fresh();
        const address = 'cd'.repeat(32);
        const a = { nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 };
        const b = { nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(a, 60);
        await challenges.put(b, 60);
        expect(await challenges.consume(nonce())).toBeNull(); // a wrong guess burns nothing
        expect(await challenges.consume(b.nonce)).toEqual(b);
        expect(await challenges.consume(a.nonce)).toEqual(a);
      });

      it('expires a challenge after its TTL', async () => {
        const { challenges } = await fresh();
        const rec = { nonce: nonce(), address: 'ef'.repeat(32), issuedAt: now(), expiresAt: now() + 1 };
        await challenges.put(rec, 1);
        await sleep(1100);
        expect(await challenges.consume(rec.nonce)).toBeNull();
      });

      it('bounds the outstanding challenges of a bucket: a new one evicts the oldest, never refused', async () => {
        const { challenges } = await fresh();
        const address = '02'.repeat(32);
        const bound = { bucket: `b-${nonce().slice(0, 16)}`, max: 3 };
        const recs = Array.from({ length: 5 }, () => ({ nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 }));
        for (const rec of recs) await challenges.put(rec, 60, bound);
        // Another bucket for the same address (another client) is not touched by this one's flood.
        const other = { nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(other, 60, { bucket: `b-${nonce().slice(0, 16)}`, max: 3 });
        const unbounded = { nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(unbounded, 60);
        expect(await challenges.consume(recs[0]!.nonce)).toBeNull();
        expect(await challenges.consume(recs[1]!.nonce)).toBeNull();
        for (const rec of recs.slice(2)) expect(await challenges.consume(rec.nonce)).toEqual(rec);
        expect(await challenges.consume(other.nonce)).toEqual(other);
        expect(await challenges.consume(unbounded.nonce)).toEqual(unbounded);
      });

      it('counts spent challenges of a bucket too: the newest `max` issued stay consumable', async () => {
        const { challenges } = await fresh();
        const address = '03'.repeat(32);
        const bound = { bucket: `b-${nonce().slice(0, 16)}`, max: 2 };
        const [a, b, c] = Array.from({ length: 3 }, () => ({ nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 }));
        await challenges.put(a!, 60, bound);
        await challenges.put(b!, 60, bound);
        expect(await challenges.consume(b!.nonce)).toEqual(b);
        await challenges.put(c!, 60, bound);
        expect(await challenges.consume(a!.nonce)).toBeNull();
        expect(await challenges.consume(c!.nonce)).toEqual(c);
      });

      it('gives a nonce to exactly one of many concurrent consumers', async () => {
        const { challenges } = await fresh();
        const rec = { nonce: nonce(), address: '01'.repeat(32), issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(rec, 60);
        const results = await Promise.all(Array.from({ length: 25 }, () => challenges.consume(rec.nonce)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('refresh tokens', () => {
      const claims = { sub: 'w1', role: 'wallet', wallet_address: 'w1', algorithm: 'Ed25519', groups: [], scopes: ['a:*'] };
      const fam = () => randomBytes(16).toString('base64url');
      const h = () => randomBytes(32).toString('base64url');

      it('rotates a live token once and returns its claims intact (empty arrays included)', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        const [t1, t2, t3] = [h(), h(), h()];
        await refreshTokens.create(f, t1, claims, 60);
        expect(await refreshTokens.rotate(f, t1, t2, 60)).toEqual({ outcome: 'rotated', claims });
        expect(await refreshTokens.rotate(f, t2, t3, 60)).toEqual({ outcome: 'rotated', claims });
      });

      it('detects reuse of a spent token and revokes the whole family', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        const [t1, t2, t3, t4] = [h(), h(), h(), h()];
        await refreshTokens.create(f, t1, claims, 60);
        await refreshTokens.rotate(f, t1, t2, 60);
        expect(await refreshTokens.rotate(f, t1, t3, 60)).toEqual({ outcome: 'reused' });
        // The descendant issued before the reuse is dead too.
        expect(await refreshTokens.rotate(f, t2, t4, 60)).toEqual({ outcome: 'invalid' });
      });

      it('treats unknown tokens and unknown families as invalid', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        await refreshTokens.create(f, h(), claims, 60);
        expect(await refreshTokens.rotate(f, h(), h(), 60)).toEqual({ outcome: 'invalid' });
        expect(await refreshTokens.rotate(fam(), h(), h(), 60)).toEqual({ outcome: 'invalid' });
      });

      it('revokeFamily invalidates every token of the family and is idempotent', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        const [t1, t2] = [h(), h()];
        await refreshTokens.create(f, t1, claims, 60);
        await refreshTokens.revokeFamily(f);
        await refreshTokens.revokeFamily(f);
        expect(await refreshTokens.rotate(f, t1, t2, 60)).toEqual({ outcome: 'invalid' });
      });

      it('expires tokens after their TTL', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        const [t1, t2] = [h(), h()];
        await refreshTokens.create(f, t1, claims, 1);
        await sleep(1100);
        expect(await refreshTokens.rotate(f, t1, t2, 60)).toEqual({ outcome: 'invalid' });
      });

      it('lets exactly one of many concurrent rotations of one token win', async () => {
        const { refreshTokens } = await fresh();
        const f = fam();
        const t1 = h();
        await refreshTokens.create(f, t1, claims, 60);
        const results = await Promise.all(Array.from({ length: 20 }, () => refreshTokens.rotate(f, t1, h(), 60)));
        expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
      });
    });
  });
}
