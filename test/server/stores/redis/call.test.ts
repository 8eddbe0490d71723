import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../../src/server/errors/index.js';
import { redisCall } from '../../../../src/server/stores/redis/call.js';

/** What every Redis store answers when Redis fails: store_unavailable (503), with the cause kept. */
describe('redisCall', () => {
  it('passes a reply through', async () => {
    await expect(redisCall(() => Promise.resolve('OK'))).resolves.toBe('OK');
  });

  it('turns a failed command into store_unavailable with the failure as its cause', async () => {
    const failure = new Error('Command timed out');
    const err = await redisCall(() => Promise.reject(failure)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: 'store_unavailable', status: 503, cause: failure });
  });

  it('turns a synchronous throw into a rejected store_unavailable, not an exception', async () => {
    const failure = new TypeError('not connected');
    const call = redisCall(() => {
      throw failure;
    });
    expect(call).toBeInstanceOf(Promise);
    await expect(call).rejects.toMatchObject({ code: 'store_unavailable', cause: failure });
  });
});
