/**
 * Label values, kept low-cardinality by construction: every label a metric carries comes from a
 * closed list or a bounded set, never from a raw path, an address, a jti or a client's header.
 * An unbounded label is a memory leak in the service and a cardinality bomb in Prometheus.
 */

/** `2xx`, `4xx`...; anything outside 100-599 is `other`. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The request method when it is a standard one, else `other` (a client can send any token). */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'other';
}

/** `value` when it is one of `allowed`, else `fallback`. */
export function oneOf<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/**
 * A label whose values come from code (limiter names, Redis command names) but are not known in
 * advance: values that look like identifiers pass, up to `max` distinct ones; anything else, and
 * every value after the cap, is `other`. So even a caller bug cannot grow the series without bound.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;
  static readonly #SAFE = /^[A-Za-z][A-Za-z0-9_.:-]{0,47}$/;

  constructor(max: number) {
    this.#max = max;
  }

  value(raw: unknown): string {
    if (typeof raw !== 'string' || !BoundedLabel.#SAFE.test(raw)) return 'other';
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.#max) return 'other';
    this.#seen.add(raw);
    return raw;
  }
}
