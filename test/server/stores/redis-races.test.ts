import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/index.js';
import { createRedisStores } from '../../../src/server/stores/index.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';

/** Two store instances with separate connections on one Redis: what two replicas see. */
describe.skipIf(noRedis())('redis stores across two connections (two replicas)', () => {
  const prefix = uniquePrefix('race');
  const config = () => loadConfig({ redisUrl: redisUrl(), redisKeyPrefix: prefix });
  const a = createRedisStores(config(), pino({ level: 'silent' }));
  const b = createRedisStores(config(), pino({ level: 'silent' }));

  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteByPrefix(redisUrl(), prefix);
  });

  it('a challenge put by one replica is consumed by the other, once, over 200 racing pairs', async () => {
    expect(await Promise.all([a.whenReady(5000), b.whenReady(5000)])).toEqual([true, true]);
    let wins = 0;
    for (let i = 0; i < 200; i++) {
      const nonce = randomBytes(32).toString('hex');
      const t = Math.floor(Date.now() / 1000);
      await a.challenges.put({ nonce, address: 'aa', issuedAt: t, expiresAt: t + 60 }, 60);
      const [x, y] = await Promise.all([a.challenges.consume(nonce), b.challenges.consume(nonce)]);
      expect(Number(Boolean(x)) + Number(Boolean(y))).toBe(1);
      wins += 1;
    }
    expect(wins).toBe(200);
  });

  it('40 challenges of one bucket put concurrently by both replicas leave exactly the bound consumable', async () => {
    const bound = { bucket: randomBytes(8).toString('hex'), max: 5 };
    const t = Math.floor(Date.now() / 1000);
    const nonces = Array.from({ length: 40 }, () => randomBytes(32).toString('hex'));
    await Promise.all(nonces.map((nonce, i) => (i % 2 ? a : b).challenges.put({ nonce, address: 'bb', issuedAt: t, expiresAt: t + 60 }, 60, bound)));
    const consumed = await Promise.all(nonces.map((nonce, i) => (i % 2 ? b : a).challenges.consume(nonce)));
    expect(consumed.filter(Boolean)).toHaveLength(5);
  });

  it('a refresh token rotated concurrently by both replicas rotates exactly once', async () => {
    for (let i = 0; i < 50; i++) {
      const fam = randomBytes(16).toString('base64url');
      const t1 = randomBytes(32).toString('base64url');
      await a.refreshTokens.create(fam, t1, { sub: 's', role: 'wallet' }, { expiresAt: Math.floor(Date.now() / 1000) + 60 });
      const next = () => ({ salt: randomBytes(16).toString('base64url'), hash: randomBytes(32).toString('base64url') });
      const [x, y] = await Promise.all([
        a.refreshTokens.rotate(fam, t1, next(), { graceMs: 0, credential: '' }),
        b.refreshTokens.rotate(fam, t1, next(), { graceMs: 0, credential: '' }),
      ]);
      expect([x.outcome, y.outcome].sort()).toEqual(['reused', 'rotated']);
    }
  });
});
