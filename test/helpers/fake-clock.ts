import type { Clock } from '../../src/server/clock.js';

/**
 * A clock tests move by hand: the service, its stores and its audit read it instead of
 * `Date.now()`, so "after the TTL" is `advance(ms)`, not a sleep. Starts at the real time, so
 * records it dates stay coherent with a real Redis's own TTLs.
 */
export class FakeClock implements Clock {
  #now: number;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  /** Epoch seconds, as the stores date records. */
  seconds(): number {
    return Math.floor(this.#now / 1000);
  }
}
