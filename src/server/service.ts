import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildApp } from './app.js';
import { createListener, type Listener } from './listener.js';
import { createMintAudit } from './audit/mint-audit.js';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, type AuthConfig, type ServerAuthSettings } from './config/index.js';
import { ServiceEvents } from './events.js';
import { ensureDevKeyDirectory, KeyManager, logKeyEvents } from './keys/index.js';
import { listenUrl } from './listen-url.js';
import { createLogger } from './logger.js';
import { createServiceMetrics } from './metrics/index.js';
import { corsMiddleware } from './middleware/cors.js';
import { JWKS_PATH } from './paths.js';
import type { RedisClient } from './redis/connection.js';
import { createRouteLimits } from './rate-limit/route-limits.js';
import type { RouteDeps } from './routes/index.js';
import { createJwksHandler } from './routes/jwks.js';
import { startMetricsServer, type MetricsServer } from './routes/metrics.js';
import { createSessionService, prepareAdminCredential } from './sessions/index.js';
import { createMemoryStores, createRedisStores, wantsRedis, type Stores } from './stores/index.js';
import { createWalletVerifiers } from './wallets/index.js';

export interface AuthServiceOptions {
  /**
   * Settings, as the seed's `server_auth` block (camelCase): issuer, audience,
   * accessTokenExpireMinutes, refreshTokenExpireDays, challengeTtlSeconds, and every other
   * setting of the configuration table. Wins over `env`.
   */
  serverAuth?: ServerAuthSettings;
  /** Environment to read settings from (AUTH_*, REDIS_*, PORT...). Default: none (`main` passes process.env). */
  env?: NodeJS.ProcessEnv;
  /** A pino logger to use instead of the service's own. */
  logger?: Logger;
  /** An ioredis client to share; the service then never closes it. */
  redis?: RedisClient;
  /** The clock every token, challenge, store record and audit entry is dated with. Default: the system clock. */
  clock?: Clock;
}

export interface AuthService {
  /** The Express app (every route, including /jwks); mount it or serve it yourself. */
  app: Express;
  /** The node:http listener the service uses: /jwks on a lean path, everything else through `app`. */
  handler: RequestListener;
  config: AuthConfig;
  /** The service's logger. */
  logger: Logger;
  /** The signing keys: `keyring` is what signs and what the JWKS publishes; `check()` re-reads the directory now. */
  keys: KeyManager;
  /** The domain events (sign-ins, refreshes, revocations, rate limits...), for an embedder's own observers. */
  events: ServiceEvents;
  /** The HTTP server once `listen` was called. */
  server: Server | undefined;
  /** This instance's Prometheus registry (what `/metrics` serves). */
  metrics: Registry;
  /**
   * Starts the HTTP server (default: the configured PORT and HOST), and the metrics server when
   * `metricsPort` is set (`metricsUrl` is then its `/metrics` URL).
   */
  listen(port?: number, host?: string): Promise<{ port: number; url: string; metricsUrl?: string }>;
  /**
   * Graceful stop: readiness fails at once, the listener closes after `shutdownDelaySeconds`,
   * in-flight requests get `shutdownGraceSeconds`, then Redis and the key watcher close. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Creates the auth service, the counterpart of the seed's
 * `Application(config={"server_auth": {...}})`. Configuration is validated here, once: a wrong
 * value throws ConfigError naming the variable and what it accepts.
 */
export async function createAuthService(options: AuthServiceOptions = {}): Promise<AuthService> {
  const config = loadConfig(options.serverAuth, options.env ?? {});
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const events = new ServiceEvents();
  // The decoy hash of the admin login is built while Redis connects and awaited before the service
  // can take a request (the settings table has already refused a malformed hash).
  const adminCredentialReady = prepareAdminCredential(config);

  let keysDir = config.keysDir;
  if (!keysDir) {
    const dev = ensureDevKeyDirectory(config.dataDir);
    keysDir = dev.dir;
    logger.warn({ keysDir }, `AUTH_KEYS_DIR is not set: using ${dev.created ? 'a newly generated' : 'the previously generated'} development key in ${keysDir}; every replica needs the same keys, so set AUTH_KEYS_DIR in any shared deployment`);
  }
  const keys = new KeyManager({ dir: keysDir, recheckIntervalMs: config.keysReloadIntervalSeconds * 1000, now: () => clock.now() });
  logKeyEvents(keys, logger);

  let stores: Stores;
  let redis: RedisClient | undefined;
  if (wantsRedis(config)) {
    const redisStores = createRedisStores(config, logger, { client: options.redis, clock });
    stores = redisStores;
    redis = redisStores.redis;
    // Commands fail fast while disconnected, so give the first connection a moment; never block start.
    if (!(await redisStores.whenReady(2000))) logger.warn('redis is not reachable yet; endpoints that need it answer 503 until it is');
  } else {
    stores = createMemoryStores({ clock });
    logger.warn('REDIS_URL is not set: challenges, refresh tokens, revocations and rate limits are kept in this process only; set REDIS_URL for more than one replica');
  }

  // Wiring, once: nothing below can refuse the configuration any more (the settings table did).
  let listener: Listener | undefined;
  const lifecycle = { shuttingDown: false, openedBeforeShutdown: (req: IncomingMessage) => listener?.openedBeforeShutdown(req.socket) ?? false };
  const wallets = createWalletVerifiers(config);
  const sessions = createSessionService({ config, clock, keys, stores, wallets, events, adminCredential: await adminCredentialReady });
  const audit = createMintAudit({ events, store: stores.mints, logger });
  const deps: RouteDeps = {
    config,
    logger,
    keys,
    sessions,
    audit,
    limits: createRouteLimits(config, events, redis),
    lifecycle,
    storeHealth: stores.health,
  };
  // Before keys.start(): the first load (or its failure) is counted.
  const metrics = createServiceMetrics({ events, keys, storeHealth: stores.health, algorithms: wallets.algorithms }, { redis, now: () => clock.now() });
  // The JWKS handler and the CORS middleware are built once and shared by the app and the lean path.
  const jwksHandler = createJwksHandler({ config, keys, lifecycle });
  const cors = corsMiddleware(config);
  const { app, lean: leanPost, classes } = buildApp(deps, { jwks: jwksHandler, cors, metrics });
  const jwks = metrics.timeLean(JWKS_PATH, jwksHandler);
  // With CORS on, browser requests for the JWKS (an Origin header, or a preflight) get the CORS
  // headers first; everything else keeps the lean path.
  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const lean = req.url === JWKS_PATH && (req.method === 'GET' || req.method === 'HEAD');
    if (cors && req.url === JWKS_PATH && (req.headers.origin !== undefined || req.method === 'OPTIONS')) {
      cors(req, res, () => (lean ? jwks(req, res) : app(req, res))); // a preflight is answered by cors itself
    } else if (lean) jwks(req, res);
    else if (!leanPost(req, res)) app(req, res);
  };
  await keys.start();

  let server: Server | undefined;
  let metricsServer: MetricsServer | undefined;
  let closing: Promise<void> | undefined;
  const service: AuthService = {
    app,
    handler,
    config,
    logger,
    keys,
    events,
    get server() {
      return server;
    },
    metrics: metrics.registry,
    async listen(port = config.port, host = config.host) {
      listener = createListener(handler, config, { logger, events, clock }, classes);
      server = listener.server;
      metrics.observeConnections(listener.openConnections);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const actual = (server.address() as AddressInfo).port;
      if (config.metricsPort !== undefined) metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, host);
      logger.info({ port: actual, host, metricsPort: metricsServer?.port, issuer: config.issuer, store: stores.health.backend, keysDir }, 'pico-auth listening');
      return { port: actual, url: listenUrl(host, actual), ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) };
    },
    close() {
      closing ??= (async () => {
        listener?.markShutdown();
        lifecycle.shuttingDown = true;
        logger.info({ delaySeconds: config.shutdownDelaySeconds, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
        if (server && config.shutdownDelaySeconds > 0) await sleep(config.shutdownDelaySeconds * 1000);
        if (listener) await drain(listener, config.shutdownGraceSeconds * 1000);
        keys.stop();
        metrics.detach();
        audit.detach();
        await audit.flush();
        await metricsServer?.close();
        await stores.close();
        logger.info('shutdown complete');
      })();
      return closing;
    },
  };
  return service;
}

/**
 * Drain notice: for up to DRAIN_NOTICE_MS, connections in use get `Connection: close` on their next
 * answer, and only connections idle for DRAIN_IDLE_MS are closed (a pool's spare connection), never
 * one a client has just been answered on and is about to reuse.
 */
const DRAIN_NOTICE_MS = 1000;
const DRAIN_IDLE_MS = 250;
const DRAIN_STEP_MS = 50;

/**
 * Tells keep-alive clients first (see DRAIN_NOTICE_MS), then stops accepting, lets in-flight
 * requests finish within `graceMs` in all, and cuts what is left. Closing every idle connection at
 * once raced clients reusing them: 4 failed requests in 12,315 on a real node during a rollout.
 */
async function drain(listener: Listener, graceMs: number): Promise<void> {
  const { server } = listener;
  listener.startDraining();
  const notice = Math.min(DRAIN_NOTICE_MS, graceMs);
  const start = performance.now();
  while (listener.openConnections() > 0 && performance.now() - start < notice) {
    await sleep(DRAIN_STEP_MS);
    listener.closeIdleFor(DRAIN_IDLE_MS);
  }
  graceMs = Math.max(0, graceMs - (performance.now() - start));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  // Connections that finish a response while draining are idle at once: close them promptly.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await closed;
  clearTimeout(timer);
  clearInterval(sweep);
}
