import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ServiceEvents } from '../events.js';
import type { KeyManager } from '../keys/index.js';
import type { StoreHealth } from '../stores/types.js';
import type { RedisClient } from '../redis/connection.js';
import { defineMetrics, METRIC_PREFIX, type MetricSet } from './definitions.js';
import { countServiceEvents } from './events.js';
import { httpDuration, timeLeanHandler } from './http.js';
import { keyringMetrics } from './keyring.js';
import { observeRedisCommands, redisCommandMetrics } from './redis.js';

export { METRIC_PREFIX } from './definitions.js';

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface ServiceMetricsOptions {
  /** The Redis client the stores use, to time its commands. */
  redis?: RedisClient;
  /** Clock in epoch ms, for the key age. Default: the system clock. */
  now?: () => number;
}

/** What the metrics follow and read. */
export interface MetricSources {
  events: ServiceEvents;
  keys: KeyManager;
  storeHealth: StoreHealth;
  /** The accepted sign-in algorithms (label values known in advance). */
  algorithms: readonly string[];
}

/** One service instance's metrics: its own registry, so two services in one process never collide. */
export interface ServiceMetrics {
  /** The prom-client registry `/metrics` exposes (never the global default registry). */
  readonly registry: Registry;
  /** Express middleware observing the request duration histogram; mount it first. */
  readonly http: RequestHandler;
  /** Wraps a lean node:http handler (the JWKS path) so that it is observed under `route`. */
  timeLean(route: string, handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void;
  /** Reports the service port's open connections (set once it listens). */
  observeConnections(count: () => number): void;
  /** Stops following events and Redis commands (on close); the registry stays readable. Idempotent. */
  detach(): void;
}

/**
 * Creates the registry with default process metrics and every service metric, and subscribes to
 * the service's events, the key manager and the Redis client. Call it before `keys.start()` so
 * that the first load is seen.
 */
export function createServiceMetrics(
  ctx: MetricSources,
  options: ServiceMetricsOptions = {},
): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  // prom-client names these gauges `_total`, which `promtool check metrics` rejects (only counters
  // may end in `_total`); the labelled gauges without the suffix carry the same numbers per type.
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
  const m: MetricSet = defineMetrics(registry);
  new Gauge({
    name: `${METRIC_PREFIX}store_up`,
    help: 'Whether the store backend (memory or redis) answers now: 1 or 0.',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      this.labels(ctx.storeHealth.backend).set(ctx.storeHealth.ready() ? 1 : 0);
    },
  });

  let connections: (() => number) | undefined;
  new Gauge({
    name: `${METRIC_PREFIX}connections_open`,
    help: 'Open connections on the service port (the cap is AUTH_MAX_CONNECTIONS); 0 before it listens.',
    registers: [registry],
    collect() {
      this.set(connections?.() ?? 0);
    },
  });

  const detachers = [
    countServiceEvents(ctx.events, m, ctx.algorithms),
    keyringMetrics(registry, ctx.keys, { now: options.now }),
  ];
  if (options.redis) detachers.push(observeRedisCommands(options.redis, redisCommandMetrics(m)));

  return {
    registry,
    http: httpDuration(m),
    timeLean: (route, handler) => timeLeanHandler(m, route, handler),
    observeConnections(count) {
      connections = count;
    },
    detach() {
      for (const fn of detachers.splice(0)) fn();
    },
  };
}
