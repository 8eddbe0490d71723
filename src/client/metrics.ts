/**
 * Prometheus metrics of the client, prefixed `pico_auth_client_`. prom-client is loaded with a
 * dynamic import only when the host passes a registry, so a service without metrics never pays for
 * it. Events recorded before the import resolves are kept and counted once it has, so none is lost.
 */
export type FetchResult = 'ok' | 'not_modified' | 'error';

export interface ClientMetrics {
  /** One outbound JWKS request (`error`: network, timeout, non-200 or unparsable). */
  jwksFetch(result: FetchResult): void;
  /** A verification key was found in the cached key set, no fetch needed. */
  jwksKeyCacheHit(): void;
  /** The outcome of one authentication: `ok` or the error code (a closed, low-cardinality set). */
  validation(outcome: string): void;
  /** A verified-token cache lookup. */
  tokenCache(hit: boolean): void;
  /** One revocation-list poll. */
  revocationPoll(result: FetchResult): void;
}

export const noopMetrics: ClientMetrics = {
  jwksFetch() {},
  jwksKeyCacheHit() {},
  validation() {},
  tokenCache() {},
  revocationPoll() {},
};

type Event = { [K in keyof ClientMetrics]: [K, ...Parameters<ClientMetrics[K]>] }[keyof ClientMetrics];

export interface MetricsHandle {
  sink: ClientMetrics;
  /** Resolves once the metrics are registered; rejects if registration failed (e.g. duplicate names). */
  registered: Promise<void>;
}

/**
 * @param registry a prom-client `Registry`, or undefined for no metrics.
 * @param revocationAgeSeconds read at scrape time; undefined while no list was ever loaded.
 */
export function createMetrics(registry: unknown, revocationAgeSeconds: () => number | undefined): MetricsHandle {
  if (registry === undefined) return { sink: noopMetrics, registered: Promise.resolve() };
  // The three per-request events (validation `ok`, token-cache hit, miss) are counted in plain
  // numbers and added to prom-client's counters when they are read (`collect`, which prom-client
  // calls on every read through the registry): a prom-client `inc` validates and hashes its labels
  // on each call, and these run on every request. Nothing is lost before registration either.
  const hot = { ok: 0, hits: 0, misses: 0 };
  // Rare events (JWKS fetches, errors, polls) recorded before prom-client is loaded are replayed.
  const queue: Event[] = [];
  let live: ClientMetrics | undefined;
  const record = (event: Event) => {
    if (live) (live[event[0]] as (...a: unknown[]) => void)(...event.slice(1));
    else if (queue.length < 10_000) queue.push(event);
  };
  const sink: ClientMetrics = {
    jwksFetch: (r) => record(['jwksFetch', r]),
    jwksKeyCacheHit: () => record(['jwksKeyCacheHit']),
    validation: (o) => {
      if (o === 'ok') hot.ok++;
      else record(['validation', o]);
    },
    tokenCache: (h) => {
      if (h) hot.hits++;
      else hot.misses++;
    },
    revocationPoll: (r) => record(['revocationPoll', r]),
  };
  const registered = import('prom-client').then((prom) => {
    const registers = [registry as InstanceType<typeof prom.Registry>];
    const p = 'pico_auth_client_';
    /**
     * A counter fed from `hot[field]` whenever the registry reads it (`collect`); with `labels`, the
     * count goes to that series. A reset (e.g. `registry.resetMetrics()`) forgets the pending count
     * too: a subclass overriding the public `reset()` (no instance patching), checked by
     * test/client/library-contracts.test.ts. Why plain numbers at all: a prom-client `inc` hashes
     * its labels on every call; two events per request cost 0.32-0.40 µs that way, 0.02 µs here
     * (hot loop, docs/client.md).
     */
    class ScrapeTimeCounter extends prom.Counter {
      constructor(name: string, help: string, readonly field: keyof typeof hot, labels?: { outcome: string }) {
        super({
          name: `${p}${name}`,
          help,
          labelNames: labels ? ['outcome'] : [],
          registers,
          collect() {
            const n = hot[field];
            hot[field] = 0;
            if (n > 0) this.inc(labels ?? {}, n);
          },
        });
      }

      override reset(): void {
        // Called by prom-client's own constructor too, before `field` is set.
        if (this.field !== undefined) hot[this.field] = 0;
        super.reset();
      }
    }
    const scrapeTimeCounter = (name: string, help: string, field: keyof typeof hot, labels?: { outcome: string }) => new ScrapeTimeCounter(name, help, field, labels);
    const fetches = new prom.Counter({ name: `${p}jwks_fetches_total`, help: 'Outbound JWKS requests, by result (ok, not_modified, error).', labelNames: ['result'], registers });
    const failures = new prom.Counter({ name: `${p}jwks_fetch_failures_total`, help: 'JWKS requests that failed (network, timeout, bad status or body).', registers });
    const keyHits = new prom.Counter({ name: `${p}jwks_key_cache_hits_total`, help: 'Verification keys served from the cached key set without a fetch.', registers });
    const validations = scrapeTimeCounter('validations_total', 'Token validations, by outcome (ok or the error code).', 'ok', { outcome: 'ok' });
    scrapeTimeCounter('token_cache_hits_total', 'Requests whose token was found in the verified-token cache.', 'hits');
    scrapeTimeCounter('token_cache_misses_total', 'Requests whose token needed a signature check.', 'misses');
    const polls = new prom.Counter({ name: `${p}revocation_polls_total`, help: 'Revocation-list polls, by result (ok, not_modified, error).', labelNames: ['result'], registers });
    new prom.Gauge({
      name: `${p}revocation_list_age_seconds`,
      help: 'Seconds since the revocation list was last confirmed current (absent until the first success).',
      registers,
      collect() {
        const age = revocationAgeSeconds();
        if (age === undefined) this.reset();
        else this.set(age);
      },
    });
    live = {
      jwksFetch(result) {
        fetches.inc({ result });
        if (result === 'error') failures.inc();
      },
      jwksKeyCacheHit: () => keyHits.inc(),
      validation: (outcome) => validations.inc({ outcome }),
      tokenCache: () => undefined, // never queued: counted in `hot`, added at scrape time
      revocationPoll: (result) => polls.inc({ result }),
    };
    for (const event of queue.splice(0)) (live[event[0]] as (...a: unknown[]) => void)(...event.slice(1));
  });
  // The host sees a failure through `registered` (awaited by warmUp); never an unhandled rejection.
  registered.catch(() => {});
  return { sink, registered };
}
