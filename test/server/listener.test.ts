import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../src/server/index.js';
import { makeKeyDir } from '../helpers/service.js';
import { captureLogs } from './logs/capture.js';
import { scrape, value } from './metrics/exposition.js';

/**
 * The service port's socket limits, with raw sockets (a slow-loris is not something fetch can do).
 * Timeouts are lowered to 1-2 s so that the tests are short; the defaults are in settings.ts.
 */
interface Conn {
  socket: Socket;
  /** Everything received so far. */
  received: () => string;
  /** Resolves when the server (or the peer) closed the socket, with the ms since connecting. */
  closed: Promise<number>;
  isClosed: () => boolean;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => undefined); // a refused connection may reset
    const closed = new Promise<number>((r) => socket.once('close', () => ((done = true), r(performance.now() - started))));
    socket.once('connect', () => resolve({ socket, received: () => data, closed, isClosed: () => done }));
    socket.once('error', reject);
  });
}

/** A request on `conn` whose response is complete (the socket stays open: keep-alive). */
async function requestOn(conn: Conn, path: string): Promise<string> {
  const before = conn.received().length;
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
  const end = Date.now() + 3000;
  while (!/\r\n\r\n[\s\S]*\}/.test(conn.received().slice(before))) {
    if (Date.now() > end || conn.isClosed()) throw new Error(`no response on the connection: ${conn.received()}`);
    await sleep(10);
  }
  return conn.received().slice(before);
}

/** Starts sending a request's headers and never finishes them: one header line every 200 ms. */
function slowLoris(conn: Conn): void {
  conn.socket.write('POST /api/v1/auth/challenge HTTP/1.1\r\nHost: test\r\n');
  const timer = setInterval(() => (conn.isClosed() ? clearInterval(timer) : conn.socket.write('X-Slow: 1\r\n')), 200);
  void conn.closed.then(() => clearInterval(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = (cond: () => boolean | Promise<boolean>, ms = 5000) => expect.poll(cond, { timeout: ms, interval: 20 }).toBe(true);

describe('service port sockets', () => {
  const services: AuthService[] = [];
  const conns: Conn[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.socket.destroy();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  async function start(settings: Record<string, unknown>, logger = captureLogs('info')) {
    const service = await createAuthService({ logger: logger.logger, serverAuth: { keysDir: makeKeyDir('EdDSA'), shutdownGraceSeconds: 1, metricsPort: 0, ...settings } });
    services.push(service);
    const { port, url, metricsUrl } = await service.listen(0, '127.0.0.1');
    const connect = async () => {
      const c = await open(port);
      conns.push(c);
      return c;
    };
    return { service, port, url, metricsUrl: metricsUrl!, connect, logs: logger };
  }

  it('cuts a slow-loris socket, and a silent one, after the header timeout (408)', async () => {
    const { connect } = await start({ httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 5000 });
    const slow = await connect();
    slowLoris(slow);
    const silent = await connect();
    const [slowMs, silentMs] = await Promise.race([Promise.all([slow.closed, silent.closed]), sleep(5000).then(() => [Infinity, Infinity])]);
    // Not before the timeout, and long before Node's defaults (60 s, checked every 30 s) would have.
    expect(slowMs).toBeGreaterThanOrEqual(900);
    expect(slowMs).toBeLessThan(5000);
    expect(silentMs).toBeGreaterThanOrEqual(900);
    expect(silentMs).toBeLessThan(5000);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('past the connection cap refuses new connections, keeps liveness on the metrics port, and recovers once slow sockets are cut', async () => {
    const { connect, url, metricsUrl, logs } = await start({ maxConnections: 4, httpHeadersTimeoutMs: 2000, httpRequestTimeoutMs: 5000 });
    const probe = `${new URL(metricsUrl).origin}/healthz`;
    const slow = await Promise.all(Array.from({ length: 4 }, () => connect()));
    slow.forEach(slowLoris);
    await waitFor(async () => value(await scrape(metricsUrl), 'pico_auth_connections_open') === 4);

    // Two more: each is closed at once, without an answer.
    for (let i = 0; i < 2; i++) {
      const refused = await connect();
      const ms = await Promise.race([refused.closed, sleep(1500).then(() => Infinity)]);
      expect(ms).toBeLessThan(1500);
      expect(refused.received()).toBe('');
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // Requests in progress are not cut to make room; liveness, on the metrics port, answers.
    expect(slow.every((c) => !c.isClosed())).toBe(true);
    const live = await fetch(probe);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const samples = await scrape(metricsUrl);
    expect(value(samples, 'pico_auth_connections_dropped_total')).toBeGreaterThanOrEqual(3);
    expect(logs.withMsg('connection cap reached: new connections are refused and idle keep-alive ones closed (pico_auth_connections_dropped_total counts them)')).toHaveLength(1);

    // The header timeout frees the slots held by the slow sockets: the service port serves again.
    await Promise.all(slow.map((c) => c.closed));
    const after = await fetch(`${url}/healthz`);
    expect(after.status).toBe(200);
  });

  it('at the cap closes idle keep-alive connections, so the next client gets in', async () => {
    const { connect, url } = await start({ maxConnections: 3 });
    const idle = await Promise.all(Array.from({ length: 3 }, () => connect()));
    for (const c of idle) expect(await requestOn(c, '/healthz')).toMatch(/^HTTP\/1\.1 200 /);

    const refused = await connect();
    await refused.closed;
    // The refusal reclaimed the idle ones (keep-alive would have kept them 65 s).
    await Promise.all(idle.map((c) => c.closed));
    const next = await fetch(`${url}/api/v1/auth/jwks`);
    expect(next.status).toBe(200);
  });
});
