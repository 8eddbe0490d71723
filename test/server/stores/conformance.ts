import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REPLAY_STEPS, type Stores } from '../../../src/server/stores/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Fresh, empty stores on `clock` (a unique key prefix for Redis). */
export interface TestStores extends Stores {
  /**
   * Lets `ms` pass for the stores: the clock moves, and a backend with its own timers (Redis key
   * TTLs) is polled, with a bound, until what was due in that time has expired. Never a fixed sleep.
   */
  passTime(ms: number): Promise<void>;
}
export type StoresFactory = (clock: FakeClock) => Promise<TestStores>;

const nonce = () => randomBytes(32).toString('hex');

/** Returns a maker of fresh stores (and their clock) for each test, closing them after it (call inside a describe). */
export function freshStores(factory: StoresFactory): () => Promise<TestStores & { clock: FakeClock }> {
  const opened: Stores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async () => {
    const clock = new FakeClock();
    const s = await factory(clock);
    opened.push(s);
    return Object.assign(s, { clock });
  };
}

/**
 * The one behaviour suite every store backend passes (memory, Redis). Each test gets fresh stores
 * on a fake clock and checks only behaviour; time passes through `passTime`.
 */
export function runStoreConformance(name: string, factory: StoresFactory): void {
  describe(`${name} store conformance`, () => {
    const fresh = freshStores(factory);

    describe('challenges', () => {
      it('returns a stored challenge once, then null', async () => {
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
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
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
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
        const { challenges, clock, passTime } = await fresh();
        const now = () => clock.seconds();
        const rec = { nonce: nonce(), address: 'ef'.repeat(32), issuedAt: now(), expiresAt: now() + 1 };
        await challenges.put(rec, 1);
        await passTime(1100);
        expect(await challenges.consume(rec.nonce)).toBeNull();
      });

      it('bounds the outstanding challenges of a bucket: a new one evicts the oldest, never refused', async () => {
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
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
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
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

      it('answers the same whatever bucket the consumer hints at (right, wrong or none)', async () => {
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
        const address = '04'.repeat(32);
        const bound = { bucket: `b-${nonce().slice(0, 16)}`, max: 2 };
        const recs = Array.from({ length: 6 }, () => ({ nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 }));
        for (const rec of recs) await challenges.put(rec, 60, bound);
        const wrong = `b-${nonce().slice(0, 16)}`;
        // Evicted (the oldest four) whatever the hint; the newest two consumable with either hint.
        expect(await challenges.consume(recs[0]!.nonce, bound.bucket)).toBeNull();
        expect(await challenges.consume(recs[1]!.nonce, wrong)).toBeNull();
        expect(await challenges.consume(recs[2]!.nonce)).toBeNull();
        expect(await challenges.consume(recs[4]!.nonce, wrong)).toEqual(recs[4]);
        expect(await challenges.consume(recs[5]!.nonce, bound.bucket)).toEqual(recs[5]);
        expect(await challenges.consume(recs[5]!.nonce, bound.bucket)).toBeNull();
        // An unbounded challenge with a hint, and an unknown nonce with one.
        const unbounded = { nonce: nonce(), address, issuedAt: now(), expiresAt: now() + 60 };
        await challenges.put(unbounded, 60);
        expect(await challenges.consume(unbounded.nonce, bound.bucket)).toEqual(unbounded);
        expect(await challenges.consume(nonce(), bound.bucket)).toBeNull();
      });

      it('gives a nonce to exactly one of many concurrent consumers', async () => {
        const { challenges, clock } = await fresh();
        const now = () => clock.seconds();
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
      /** A successor as the service makes one: a random salt and the new token's hash. */
      const next = () => ({ salt: randomBytes(16).toString('base64url'), hash: h() });
      const strict = { graceMs: 0, credential: '' };
      const grace = (graceMs: number, credential = '') => ({ graceMs, credential });
      /** A fresh store holding one live family `f` (a minute to live) whose first token is `t1`. */
      const liveFamily = async () => {
        const { refreshTokens, clock } = await fresh();
        const f = fam();
        const t1 = h();
        await refreshTokens.create(f, t1, claims, { expiresAt: clock.seconds() + 60 });
        return { refreshTokens, clock, f, t1 };
      };

      it('rotates a live token once and returns its claims intact (empty arrays included)', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const [t2, t3] = [next(), next()];
        expect(await refreshTokens.rotate(f, t1, t2, strict)).toEqual({ outcome: 'rotated', claims });
        expect(await refreshTokens.rotate(f, t2.hash, t3, strict)).toEqual({ outcome: 'rotated', claims });
      });

      it('without a grace window, detects reuse of a spent token and revokes the whole family', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const [t2, t3, t4] = [next(), next(), next()];
        await refreshTokens.rotate(f, t1, t2, strict);
        expect(await refreshTokens.rotate(f, t1, t3, strict)).toEqual({ outcome: 'reused' });
        // The descendant issued before the reuse is dead too.
        expect(await refreshTokens.rotate(f, t2.hash, t4, strict)).toEqual({ outcome: 'invalid' });
      });

      it('within the grace window, a retry is answered with the same successor and revokes nothing', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const t2 = next();
        expect(await refreshTokens.rotate(f, t1, t2, grace(30_000))).toEqual({ outcome: 'rotated', claims });
        // The retry brings its own salt and hash; the answer names the winner's salt, and nothing is stored.
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'replayed', claims, salts: [t2.salt] });
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'replayed', claims, salts: [t2.salt] });
        // The one live token is still the winner's successor.
        expect(await refreshTokens.rotate(f, t2.hash, next(), grace(30_000))).toMatchObject({ outcome: 'rotated' });
      });

      it('within the grace window, a retry follows the chain to the live token', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const [t2, t3] = [next(), next()];
        await refreshTokens.rotate(f, t1, t2, grace(30_000));
        await refreshTokens.rotate(f, t2.hash, t3, grace(30_000));
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'replayed', claims, salts: [t2.salt, t3.salt] });
        expect(await refreshTokens.rotate(f, t2.hash, next(), grace(30_000))).toEqual({ outcome: 'replayed', claims, salts: [t3.salt] });
      });

      it(`refuses (without revoking) a retry whose live token is more than ${MAX_REPLAY_STEPS} successors away`, async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        let current = t1;
        for (let i = 0; i <= MAX_REPLAY_STEPS; i++) {
          const n = next();
          expect((await refreshTokens.rotate(f, current, n, grace(30_000))).outcome).toBe('rotated');
          current = n.hash;
        }
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'superseded' });
        expect((await refreshTokens.rotate(f, current, next(), grace(30_000))).outcome).toBe('rotated');
      });

      it('after the grace window, a spent token is reuse: the family is revoked', async () => {
        const { refreshTokens, clock, f, t1 } = await liveFamily();
        const t2 = next();
        await refreshTokens.rotate(f, t1, t2, grace(300));
        // Past the window (with a margin: a spend is dated no earlier than the Redis server's own time).
        clock.advance(1300);
        expect(await refreshTokens.rotate(f, t1, next(), grace(300))).toEqual({ outcome: 'reused' });
        expect(await refreshTokens.rotate(f, t2.hash, next(), grace(300))).toEqual({ outcome: 'invalid' });
      });

      it('gives exactly one of many concurrent rotations of one token the rotation, and every other the same successor', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const attempts = Array.from({ length: 20 }, () => next());
        const results = await Promise.all(attempts.map((n) => refreshTokens.rotate(f, t1, n, grace(30_000))));
        const winners = results.flatMap((r, i) => (r.outcome === 'rotated' ? [attempts[i]!] : []));
        expect(winners).toHaveLength(1);
        for (const r of results.filter((x) => x.outcome !== 'rotated')) expect(r).toEqual({ outcome: 'replayed', claims, salts: [winners[0]!.salt] });
      });

      it('without a grace window, lets exactly one of many concurrent rotations win', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        const results = await Promise.all(Array.from({ length: 20 }, () => refreshTokens.rotate(f, t1, next(), strict)));
        expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
      });

      it('treats unknown tokens and unknown families as invalid', async () => {
        const { refreshTokens, f } = await liveFamily();
        expect(await refreshTokens.rotate(f, h(), next(), strict)).toEqual({ outcome: 'invalid' });
        expect(await refreshTokens.rotate(fam(), h(), next(), strict)).toEqual({ outcome: 'invalid' });
      });

      it('revokeFamily invalidates every token of the family and is idempotent', async () => {
        const { refreshTokens, f, t1 } = await liveFamily();
        await refreshTokens.revokeFamily(f);
        await refreshTokens.revokeFamily(f);
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'invalid' });
      });

      it('ends the family at the end fixed when it started: rotation does not extend it', async () => {
        const { refreshTokens, clock } = await fresh();
        const f = fam();
        const t1 = h();
        const [t2, t3] = [next(), next()];
        await refreshTokens.create(f, t1, claims, { expiresAt: clock.seconds() + 60 });
        clock.advance(40_000);
        expect((await refreshTokens.rotate(f, t1, t2, grace(30_000))).outcome).toBe('rotated');
        // 61 s after the start: a lifetime re-armed by the rotation would run until 100 s.
        clock.advance(21_000);
        expect(await refreshTokens.rotate(f, t2.hash, t3, grace(30_000))).toEqual({ outcome: 'expired' });
        expect(await refreshTokens.rotate(f, t1, t3, grace(30_000))).toEqual({ outcome: 'expired' });
      });

      it('expires tokens after their TTL (outcome `expired`: the family remembers its end)', async () => {
        const { refreshTokens, clock, passTime } = await fresh();
        const f = fam();
        const t1 = h();
        await refreshTokens.create(f, t1, claims, { expiresAt: clock.seconds() + 1 });
        await passTime(2000);
        expect(await refreshTokens.rotate(f, t1, next(), grace(30_000))).toEqual({ outcome: 'expired' });
      });

      it('revokes a family whose starting credential is no longer the configured one', async () => {
        const { refreshTokens, clock } = await fresh();
        const inAMinute = () => clock.seconds() + 60;
        const [same, changed, off] = [fam(), fam(), fam()];
        for (const f of [same, changed, off]) await refreshTokens.create(f, `${f}-1`, claims, { expiresAt: inAMinute(), credential: 'admin:v1' });
        expect((await refreshTokens.rotate(same, `${same}-1`, next(), grace(30_000, 'admin:v1'))).outcome).toBe('rotated');
        expect(await refreshTokens.rotate(changed, `${changed}-1`, next(), grace(30_000, 'admin:v2'))).toEqual({ outcome: 'credential_changed' });
        expect(await refreshTokens.rotate(off, `${off}-1`, next(), grace(30_000, ''))).toEqual({ outcome: 'credential_changed' });
        // Revoked for good: putting the old credential back does not revive them.
        expect(await refreshTokens.rotate(changed, `${changed}-1`, next(), grace(30_000, 'admin:v1'))).toEqual({ outcome: 'invalid' });
        expect(await refreshTokens.rotate(off, `${off}-1`, next(), grace(30_000, 'admin:v1'))).toEqual({ outcome: 'invalid' });
        // A family started without a credential (a wallet sign-in) ignores it.
        const wallet = fam();
        await refreshTokens.create(wallet, 'w-1', claims, { expiresAt: inAMinute() });
        expect((await refreshTokens.rotate(wallet, 'w-1', next(), grace(30_000, ''))).outcome).toBe('rotated');
      });
    });
  });
}
