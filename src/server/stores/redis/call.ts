import { AuthError } from '../../errors/index.js';

const storeUnavailable = (err: unknown) => new AuthError('store_unavailable', undefined, { cause: err });
const unavailable = (err: unknown): never => {
  throw storeUnavailable(err);
};

/**
 * Runs one Redis operation and turns every backend failure (disconnected, command timeout,
 * cluster down) into AuthError `store_unavailable`, which renders as 503 with Retry-After.
 * A `.catch` rather than an async function: one promise per call instead of an async frame and
 * its await (this runs for every command of every sign-in).
 */
export function redisCall<T>(op: () => Promise<T>): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = op();
  } catch (err) {
    return Promise.reject(storeUnavailable(err));
  }
  return pending.catch(unavailable);
}
