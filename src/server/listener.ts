import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { HttpClasses } from './app.js';
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
export interface Listener {
  server: Server;
  openConnections: () => number;
  /**
   * Drain mode: every answer from now on (and every in-flight one whose headers are not sent yet)
   * carries `Connection: close`, so a keep-alive client learns the connection ends with that answer
   * instead of having an idle connection cut under a request it is sending (ECONNRESET / "other side
   * closed" through a Service during a rollout).
   */
  startDraining: () => void;
  /** Destroys connections with no request in flight that have been idle at least `ms` (monotonic time). */
  closeIdleFor: (ms: number) => void;
  /**
   * Marks every connection open now as opened before the shutdown began (called when it begins,
   * before the drain delay): see `openedBeforeShutdown`.
   */
  markShutdown: () => void;
  /**
   * Whether this request's connection was already open when the shutdown began. Such a connection
   * is a client the balancer sent here before the pod left the endpoints (kube-proxy keeps an
   * established connection pinned to its pod); a connection opened later is a new client or a
   * kubelet probe (one connection per probe).
   */
  openedBeforeShutdown: (socket: Socket) => boolean;
}

/** Per connection: requests in flight, and since when it has had none (performance.now()). */
interface ConnectionUse {
  busy: number;
  idleSince: number;
  /** The answer in progress, told `Connection: close` when the drain starts before its headers go out. */
  answer?: ServerResponse;
  /** Set by markShutdown() on the connections open at that moment. */
  beforeShutdown: boolean;
}

export function createListener(
  handler: RequestListener,
  settings: ListenerSettings,
  deps: { logger: Logger; events: ServiceEvents; clock: Clock },
  classes?: HttpClasses,
): Listener {
  const requestTimeout = settings.httpRequestTimeoutMs;
  const headersTimeout = Math.min(settings.httpHeadersTimeoutMs, requestTimeout); // Node refuses headers > request
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: settings.httpKeepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.floor(headersTimeout / 2)),
      ...classes,
    },
    (req, res) => {
      const use = connections.get(req.socket);
      if (use) {
        use.busy += 1;
        use.answer = res;
        // `on`, not `once`: a response closes once, and `once` wraps every listener in a closure.
        res.on('close', () => {
          use.busy -= 1;
          use.idleSince = performance.now();
          if (use.answer === res) use.answer = undefined;
        });
      }
      if (draining) res.setHeader('Connection', 'close');
      handler(req, res);
    },
  );
  let draining = false;
  const connections = new Map<Socket, ConnectionUse>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: performance.now(), beforeShutdown: false });
    socket.once('close', () => connections.delete(socket));
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
  return {
    server,
    openConnections: () => connections.size,
    startDraining() {
      draining = true;
      for (const { answer } of connections.values()) if (answer && !answer.headersSent) answer.setHeader('Connection', 'close');
    },
    closeIdleFor(ms) {
      const before = performance.now() - ms;
      for (const [socket, use] of connections) if (use.busy === 0 && use.idleSince <= before) socket.destroy();
    },
    markShutdown() {
      for (const use of connections.values()) use.beforeShutdown = true;
    },
    openedBeforeShutdown: (socket) => connections.get(socket)?.beforeShutdown ?? false,
  };
}
