import { StoreUnavailableError } from '../../errors.js';

/**
 * Runs one Redis operation and turns every backend failure (disconnected, command timeout,
 * cluster down) into StoreUnavailableError, which renders as 503 with Retry-After.
 */
export async function redisCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new StoreUnavailableError(err);
  }
}
