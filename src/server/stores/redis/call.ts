import { AuthError } from '../../errors/index.js';

/**
 * Runs one Redis operation and turns every backend failure (disconnected, command timeout,
 * cluster down) into AuthError `store_unavailable`, which renders as 503 with Retry-After.
 */
export async function redisCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new AuthError('store_unavailable', undefined, { cause: err });
  }
}

