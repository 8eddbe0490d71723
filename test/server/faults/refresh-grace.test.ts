import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { makeKeyDir, postJson, signIn } from '../../helpers/service.js';

const GRACE_SECONDS = 3;
const PREFIX = 'grace:';
const familyOf = (token: string) => token.split('.')[0]!;
const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Sessions survive a slow Redis and a double submit (issue 15): two replicas on a redis-server of
 * the test's own (it is paused and frozen), a short grace window. In each fault the first refresh
 * answers 503 although Redis spends the token afterwards; the client's retry must still get a
 * working refresh token, the family must not be revoked, exactly one token of the family may be
 * live at the end, and reuse after the window must still revoke the family.
 */
describe('refresh grace window under Redis faults, two replicas', () => {
  let redis: RedisServerProcess;
  let admin: Redis;
  let a: AuthService;
  let b: AuthService;
  let apiA: string;
  let apiB: string;
  const stopped = { frozen: false };
  // Both replicas' time: "after the window" is a move of this clock. The faults themselves (a
  // paused or frozen Redis, command timeouts) are real time.
  const clock = new FakeClock();

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const keysDir = makeKeyDir('EdDSA');
    const make = () =>
      createAuthService({
        serverAuth: { keysDir, logLevel: 'silent', issuer: 'https://auth.test', redisUrl: redis.url, redisKeyPrefix: PREFIX, redisCommandTimeoutMs: 300, refreshGraceSeconds: GRACE_SECONDS },
        clock,
      });
    [a, b] = await Promise.all([make(), make()]);
    apiA = `${(await a.listen(0, '127.0.0.1')).url}/api/v1/auth`;
    apiB = `${(await b.listen(0, '127.0.0.1')).url}/api/v1/auth`;
  });
  afterEach(async () => {
    if (stopped.frozen) redis.signal('SIGCONT');
    stopped.frozen = false;
    await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    admin?.disconnect();
    await redis?.stop();
  });

  /** The family's tokens as stored: state byte '0' live, '1' spent. */
  async function tokensOf(family: string): Promise<{ hash: string; live: boolean }[]> {
    const keys = await admin.keys(`${PREFIX}rt:{${family}}:*`);
    const values = keys.length ? await admin.mget(...keys) : [];
    return keys.map((k, i) => ({ hash: k.slice(k.lastIndexOf(':') + 1), live: values[i]!.startsWith('0') }));
  }

  /** Exactly one live chain: the family exists and its only live token is the one the client holds. */
  async function expectOneLiveChain(held: string): Promise<void> {
    expect(await admin.exists(`${PREFIX}rf:{${familyOf(held)}}`)).toBe(1);
    const live = (await tokensOf(familyOf(held))).filter((t) => t.live);
    expect(live.map((t) => t.hash)).toEqual([hashOf(held)]);
  }

  /**
   * After the window: the first token is reuse, which revokes the family, so `held` dies too.
   * Called after the spend; the store dated it by max(service clock, Redis TIME), so the clock
   * moves past both.
   */
  async function expectReuseAfterWindow(spent: string, held: string): Promise<void> {
    clock.advancePastWallClock(GRACE_SECONDS * 1000 + 200);
    const reuse = await postJson(`${apiB}/refresh`, { refresh_token: spent });
    expect(reuse.status).toBe(401);
    expect(reuse.json.error).toBe('refresh_token_reused');
    expect(await admin.exists(`${PREFIX}rf:{${familyOf(spent)}}`)).toBe(0);
    const after = await postJson(`${apiA}/refresh`, { refresh_token: held });
    expect(after.status).toBe(401);
    expect(after.json.error).toBe('invalid_refresh_token');
  }

  /** Waits until the store shows the token spent (the delayed script ran), or fails. */
  async function spentInStore(token: string): Promise<void> {
    const key = `${PREFIX}rt:{${familyOf(token)}}:${hashOf(token)}`;
    await expect.poll(async () => (await admin.get(key))?.startsWith('1'), { timeout: 5000, interval: 20, message: 'the delayed rotation never ran' }).toBe(true);
  }

  it('Redis paused mid-request (CLIENT PAUSE WRITE): the 503 spent the token, the retry still gets a working one', async () => {
    const { refresh_token: first } = await signIn(apiA);
    await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    const failed = await postJson(`${apiB}/refresh`, { refresh_token: first });
    expect(failed.status).toBe(503);
    expect(failed.json.error).toBe('store_unavailable');
    await admin.call('CLIENT', 'UNPAUSE');
    // The rotation the client saw fail runs now: the token is spent although the answer was 503.
    await spentInStore(first);
    const retry = await postJson(`${apiA}/refresh`, { refresh_token: first });
    expect(retry.status).toBe(200);
    await expectOneLiveChain(retry.json.refresh_token);
    const next = await postJson(`${apiB}/refresh`, { refresh_token: retry.json.refresh_token });
    expect(next.status).toBe(200);
    await expectOneLiveChain(next.json.refresh_token);
    await expectReuseAfterWindow(first, next.json.refresh_token);
  }, 20_000);

  it('Redis frozen (SIGSTOP) during a refresh and its retry: after it resumes, the next retry gets a working token', async () => {
    const { refresh_token: first } = await signIn(apiB);
    redis.signal('SIGSTOP');
    stopped.frozen = true;
    // The request and an impatient retry (double submit) both time out; both reach Redis later.
    const failed = await Promise.all([postJson(`${apiA}/refresh`, { refresh_token: first }), postJson(`${apiB}/refresh`, { refresh_token: first })]);
    expect(failed.map((r) => r.status)).toEqual([503, 503]);
    redis.signal('SIGCONT');
    stopped.frozen = false;
    await spentInStore(first);
    const retry = await postJson(`${apiB}/refresh`, { refresh_token: first });
    expect(retry.status).toBe(200);
    await expectOneLiveChain(retry.json.refresh_token);
    expect((await postJson(`${apiA}/refresh`, { refresh_token: first })).json.refresh_token).toBe(retry.json.refresh_token);
    await expectReuseAfterWindow(first, retry.json.refresh_token);
  }, 20_000);

  it('40 parallel refreshes of one token across both replicas: all get the same working token, no family revoked', async () => {
    const { refresh_token: first } = await signIn(apiA);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => postJson(`${i % 2 ? apiA : apiB}/refresh`, { refresh_token: first })));
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(200));
    const held = new Set(results.map((r) => r.json.refresh_token as string));
    expect(held.size).toBe(1);
    const [token] = [...held];
    await expectOneLiveChain(token!);
    // One token was spent: the one presented.
    expect((await tokensOf(familyOf(first))).filter((t) => !t.live).map((t) => t.hash)).toEqual([hashOf(first)]);
    const next = await postJson(`${apiB}/refresh`, { refresh_token: token });
    expect(next.status).toBe(200);
    await expectReuseAfterWindow(first, next.json.refresh_token);
  }, 20_000);
});
