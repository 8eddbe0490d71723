/**
 * The one clock of the service. Everything that needs the time (tokens, challenges, stores,
 * revocations, the audit) gets it from the `Clock` passed to `createAuthService`, never from
 * `Date.now()`, so tests move time instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Epoch seconds of `clock`, rounded down (JWT `iat`/`exp`, store records). */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
