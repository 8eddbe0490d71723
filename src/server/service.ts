import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildApp } from './app.js';
import { prepareAdminCredential, type AdminCredential } from './auth/admin-credential.js';
import { loadConfig, type AuthConfig, type ServerAuthSettings } from './config/index.js';
import type { ServiceContext } from './context.js';
import { ServiceEvents } from './events.js';
import { ensureDevKeyDirectory, KeyManager } from './keys/index.js';
import { createLogger } from './logger.js';
import { createServiceMetrics } from './metrics/index.js';
import type { RedisClient } from './redis/connection.js';
import { createRouteLimits } from './rate-limit/route-limits.js';
import { createJwksHandler, JWKS_PATH } from './routes/jwks.js';
import { recordMints } from './routes/mints.js';
import { startMetricsServer, type MetricsServer } from './routes/metrics.js';
import { corsMiddleware } from './middleware/cors.js';
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
}

export interface AuthService {
  /** The Express app (every route, including /jwks); mount it or serve it yourself. */
  app: Express;
  /** The node:http listener the service uses: /jwks on a lean path, everything else through `app`. */
  handler: RequestListener;
  config: AuthConfig;
  context: ServiceContext;
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
  const events = new ServiceEvents();
  // Checked first (a malformed hash refuses to start before anything opens); the decoy hash is built
  // while Redis connects and awaited before the service can take a request.
  const adminCredentialReady = prepareAdminCredential(config);

  let keysDir = config.keysDir;
  if (!keysDir) {
    const dev = ensureDevKeyDirectory(config.dataDir);
    keysDir = dev.dir;
    logger.warn({ keysDir }, `AUTH_KEYS_DIR is not set: using ${dev.created ? 'a newly generated' : 'the previously generated'} development key in ${keysDir}; every replica needs the same keys, so set AUTH_KEYS_DIR in any shared deployment`);
  }
  const keys = new KeyManager({ dir: keysDir, recheckIntervalMs: config.keysReloadIntervalSeconds * 1000 });
  keys.on('reload', (keyring, previous) =>
    logger.info({ activeKid: keyring.active.kid, alg: keyring.active.alg, kids: keyring.entries.map((e) => `${e.kid}:${e.state}`), fingerprint: keyring.fingerprint, first: !previous }, previous ? 'keyring reloaded' : 'keyring loaded'),
  );
  keys.on('reloadError', (err) => logger.error({ err: { message: err.message } }, 'key directory failed to load; the previous keyring keeps serving'));

  let stores: Stores;
  let redis: RedisClient | undefined;
  if (wantsRedis(config)) {
    const redisStores = createRedisStores(config, logger, options.redis);
    stores = redisStores;
    redis = redisStores.redis;
    // Commands fail fast while disconnected, so give the first connection a moment; never block start.
    if (!(await redisStores.whenReady(2000))) logger.warn('redis is not reachable yet; endpoints that need it answer 503 until it is');
  } else {
    stores = createMemoryStores();
    logger.warn('REDIS_URL is not set: challenges, refresh tokens, revocations and rate limits are kept in this process only; set REDIS_URL for more than one replica');
  }

  // Everything that can still refuse the configuration (admin hash, CORS origins...) runs before
  // the key watcher starts; a refusal closes the Redis client instead of leaking it.
  let built;
  try {
    built = build(await adminCredentialReady);
  } catch (err) {
    await stores.close();
    throw err;
  }
  const { context, metrics, app, handler } = built;
  await keys.start();

  function build(adminCredential: AdminCredential | undefined) {
    const context: ServiceContext = {
      config,
      logger,
      keys,
      stores,
      wallets: createWalletVerifiers(config),
      events,
      lifecycle: { shuttingDown: false },
      adminCredential,
      limits: createRouteLimits(config, events, redis),
    };
    recordMints(context);
    // Before keys.start(): the first load (or its failure) is counted.
    const metrics = createServiceMetrics(context, { redis });
    const app = buildApp(context, metrics);
    const jwks = metrics.timeLean(JWKS_PATH, createJwksHandler(context));
    // With CORS on, browser requests for the JWKS (an Origin header, or a preflight) get the CORS
    // headers first; everything else keeps the lean path.
    const cors = corsMiddleware(config);
    const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
      const lean = req.url === JWKS_PATH && (req.method === 'GET' || req.method === 'HEAD');
      if (cors && req.url === JWKS_PATH && (req.headers.origin !== undefined || req.method === 'OPTIONS')) {
        cors(req, res, () => (lean ? jwks(req, res) : app(req, res))); // a preflight is answered by cors itself
      } else if (lean) jwks(req, res);
      else app(req, res);
    };
    return { context, metrics, app, handler };
  }

  let server: Server | undefined;
  let metricsServer: MetricsServer | undefined;
  let closing: Promise<void> | undefined;
  const service: AuthService = {
    app,
    handler,
    config,
    context,
    get server() {
      return server;
    },
    metrics: metrics.registry,
    async listen(port = config.port, host = config.host) {
      server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000 }, handler);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const actual = (server.address() as AddressInfo).port;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      if (config.metricsPort !== undefined) metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, host);
      logger.info({ port: actual, host, metricsPort: metricsServer?.port, issuer: config.issuer, store: stores.health.backend, keysDir }, 'pico-auth listening');
      return { port: actual, url: `http://${shown}:${actual}`, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) };
    },
    close() {
      closing ??= (async () => {
        context.lifecycle.shuttingDown = true;
        logger.info({ delaySeconds: config.shutdownDelaySeconds, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
        if (server && config.shutdownDelaySeconds > 0) await sleep(config.shutdownDelaySeconds * 1000);
        if (server) await drain(server, config.shutdownGraceSeconds * 1000);
        keys.stop();
        metrics.detach();
        await metricsServer?.close();
        await stores.close();
        logger.info('shutdown complete');
      })();
      return closing;
    },
  };
  return service;
}

/** Stops accepting, lets in-flight requests finish within `graceMs`, then cuts what is left. */
async function drain(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  // Connections that finish a response while draining are idle at once: close them promptly.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await closed;
  clearTimeout(timer);
  clearInterval(sweep);
}
