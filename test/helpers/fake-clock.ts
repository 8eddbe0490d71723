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

  /**
   * Moves `ms` past the later of this clock and the wall clock. The Redis scripts date a spend by
   * max(service clock, Redis TIME), so "past the grace window" on Redis means past both; on a memory
   * store it is simply later. Never moves the clock back.
   */
  advancePastWallClock(ms: number): void {
    this.#now = Math.max(this.#now, Date.now()) + ms;
  }

  /** Epoch seconds, as the stores date records. */
  seconds(): number {
    return Math.floor(this.#now / 1000);
  }
}
