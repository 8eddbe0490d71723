import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis, redisUrl } from '../../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../../helpers/service.js';
import { adminSettings, getJson, operatorToken } from './session-helpers.js';

/**
 * Waits (polled, bounded) until the wall clock is past epoch second `s`. Real time is the point
 * here: the family's end and its keys' EXPIRETIME are Redis's own seconds.
 */
const pastSecond = (s: number) => expect.poll(() => Math.floor(Date.now() / 1000), { timeout: 3000, interval: 20 }).toBeGreaterThan(s);

/**
 * The family's lifetime does not slide (issue 15): it ends `refresh_token_expire_days` after the
 * sign-in that started it however often it is refreshed, and its /mints record ends with it.
 */
describe.skipIf(noRedis())('refresh family lifetime', () => {
  let svc: RunningService;
  let redis: Redis;
  beforeAll(async () => {
    svc = await startService({ ...(await adminSettings()), refreshTokenExpireDays: 3 }, 'redis');
    redis = new Redis(redisUrl());
  });
  afterAll(async () => {
    redis.disconnect();
    await svc.close();
  });

  it('ends at sign-in + refresh_token_expire_days however often it is refreshed, with its /mints record', async () => {
    const prefix = svc.service.config.redisKeyPrefix;
    const signedIn = await signIn(svc.api);
    const family = signedIn.refresh_token.split('.')[0]!;
    const started = Math.floor(Date.now() / 1000);
    const mint = (await getJson(`${svc.api}/mints?kind=wallet&limit=100`, await operatorToken(svc.api))).json.items.find((m: { id: string }) => m.id === family);
    expect(mint.expires_at - mint.issued_at).toBe(3 * 86_400);
    // The family key holds its end (and is kept a day past it, so that a late presentation is `expired`).
    const familyEnd = async () => {
      const key = `${prefix}rf:{${family}}`;
      return { end: Number((await redis.get(key))!.split(' ')[0]), keyExpiry: (await redis.call('EXPIRETIME', key)) as number };
    };
    expect(await familyEnd()).toEqual({ end: mint.expires_at, keyExpiry: mint.expires_at + 86_400 });

    let token = signedIn.refresh_token;
    for (let i = 0; i < 2; i++) {
      await pastSecond(started + i); // a lifetime re-armed on refresh would move by at least a second
      const res = await postJson(`${svc.api}/refresh`, { refresh_token: token });
      expect(res.status).toBe(200);
      token = res.json.refresh_token;
    }
    expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(started + 1);
    expect(await familyEnd()).toEqual({ end: mint.expires_at, keyExpiry: mint.expires_at + 86_400 });
    // Every token of the family ends with it (within the millisecond rounding of PX).
    const keys = await redis.keys(`${prefix}rt:{${family}}:*`);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(Math.abs(Number(await redis.call('PEXPIRETIME', key)) - mint.expires_at * 1000)).toBeLessThan(1000);
    const after = (await getJson(`${svc.api}/mints?kind=wallet&limit=100`, await operatorToken(svc.api))).json.items.find((m: { id: string }) => m.id === family);
    expect(after).toEqual(mint);
  });
});
