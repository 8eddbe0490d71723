import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { AuthConfig } from './config/index.js';
import type { ServiceEvents } from './events.js';

type ListenerSettings = Pick<AuthConfig, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'maxConnections'>;

/** One warning per this many ms while the cap keeps being hit; the metric counts every refusal. */
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * The service port's node:http server, set up for a probe-driven service behind a balancer:
 * - a socket must deliver its headers within `httpHeadersTimeoutMs` and its whole request within
 *   `httpRequestTimeoutMs` (408, closed), checked every second instead of Node's 30 s, so slow and
 *   silent sockets are cut on time;
 * - idle keep-alive connections live `httpKeepAliveTimeoutMs` (above proxies' 60 s idle timeout);
 * - at most `maxConnections` are open: past it Node refuses the new connection (closed at once), we
 *   count it (`connectionDropped`), close the idle keep-alive connections so the next client gets
 *   in, and warn at most once a minute. Connections busy with a request are never cut for this.
 */
export function createListener(handler: RequestListener, settings: ListenerSettings, deps: { logger: Logger; events: ServiceEvents; clock: Clock }): { server: Server; openConnections: () => number } {
  const requestTimeout = settings.httpRequestTimeoutMs;
  const headersTimeout = Math.min(settings.httpHeadersTimeoutMs, requestTimeout); // Node refuses headers > request
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: settings.httpKeepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.floor(headersTimeout / 2)),
    },
    handler,
  );
  let open = 0;
  server.on('connection', (socket) => {
    open += 1;
    socket.once('close', () => (open -= 1));
  });
  if (settings.maxConnections > 0) {
    server.maxConnections = settings.maxConnections;
    let loggedAt = -Infinity;
    server.on('drop', () => {
      deps.events.emit('connectionDropped');
      server.closeIdleConnections();
      const now = deps.clock.now();
      if (now - loggedAt < DROP_LOG_INTERVAL_MS) return;
      loggedAt = now;
      deps.logger.warn({ maxConnections: settings.maxConnections }, 'connection cap reached: new connections are refused and idle keep-alive ones closed (pico_auth_connections_dropped_total counts them)');
    });
  }
  return { server, openConnections: () => open };
}
