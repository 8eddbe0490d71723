import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hop-by-hop headers: they describe one connection, so a proxy never forwards them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

interface Backend {
  name: string;
  host: string;
  port: number;
  agent: Agent;
  /** Result of the last readiness probe: the endpoint is in the Service only while true. */
  ready: boolean;
  probing: boolean;
  inFlight: number;
}

export interface ProbeTransition {
  at: number;
  backend: string;
  ready: boolean;
}

/**
 * What a Kubernetes Service plus the kubelet's readiness probe give a client, in one process: a
 * round-robin proxy on 127.0.0.1 that routes only to the replicas whose last readiness probe
 * passed (failureThreshold 1, successThreshold 1), probing every `periodMs` with a `timeoutMs`
 * deadline. It never retries a failed request (a Service is L4 and does not either): a request
 * that fails at a replica reaches the client as 502, tagged with the replica's name in
 * `x-backend`, so a scenario can tell which replica failed which request.
 */
export class Balancer {
  readonly transitions: ProbeTransition[] = [];
  readonly #backends = new Map<string, Backend>();
  readonly #probePath: string;
  readonly #periodMs: number;
  readonly #timeoutMs: number;
  #server: Server | undefined;
  #timer: NodeJS.Timeout | undefined;
  #next = 0;
  port = 0;

  constructor(options: { probePath: string; periodMs?: number; timeoutMs?: number }) {
    this.#probePath = options.probePath;
    this.#periodMs = options.periodMs ?? 200;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get periodMs(): number {
    return this.#periodMs;
  }

  async start(): Promise<void> {
    this.#server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.#proxy(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    this.#timer = setInterval(() => this.#probeAll(), this.#periodMs);
  }

  /** Adds (or replaces) an endpoint; it receives traffic after its first passing probe. */
  add(name: string, port: number): void {
    this.remove(name);
    this.#backends.set(name, { name, host: '127.0.0.1', port, agent: new Agent({ keepAlive: true, maxSockets: 64 }), ready: false, probing: false, inFlight: 0 });
    this.#probeAll();
  }

  remove(name: string): void {
    const b = this.#backends.get(name);
    if (!b) return;
    this.#backends.delete(name);
    b.agent.destroy();
  }

  /** Names of the endpoints currently receiving traffic. */
  readyBackends(): string[] {
    return [...this.#backends.values()].filter((b) => b.ready).map((b) => b.name);
  }

  /** Resolves once exactly `names` (in any order) are ready. */
  async waitForReady(names: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const want = [...names].sort().join(',');
    while (this.readyBackends().sort().join(',') !== want) {
      if (Date.now() > deadline) throw new Error(`balancer: ready endpoints are [${this.readyBackends().join(', ')}], expected [${want}]`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const b of this.#backends.values()) b.agent.destroy();
    this.#backends.clear();
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #pick(): Backend | undefined {
    const ready = [...this.#backends.values()].filter((b) => b.ready);
    if (ready.length === 0) return undefined;
    return ready[this.#next++ % ready.length];
  }

  #proxy(req: IncomingMessage, res: ServerResponse): void {
    const backend = this.#pick();
    if (!backend) {
      res.writeHead(503, { 'content-type': 'application/json', 'x-balancer': 'no-endpoints' });
      res.end('{"detail":"No ready endpoints.","error":"no_endpoints"}');
      req.resume();
      return;
    }
    backend.inFlight++;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const upstream = request({ host: backend.host, port: backend.port, method: req.method, path: req.url, headers, agent: backend.agent });
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      backend.inFlight--;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-backend': backend.name, 'x-balancer-error': (err as NodeJS.ErrnoException).code ?? err.message });
        res.end('{"detail":"The replica failed the request.","error":"bad_gateway"}');
      } else {
        res.destroy(err);
      }
    };
    upstream.on('response', (up) => {
      const out: Record<string, string | string[]> = { 'x-backend': backend.name };
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.on('error', fail);
      up.on('end', () => {
        if (!done) {
          done = true;
          backend.inFlight--;
        }
      });
      up.pipe(res);
    });
    upstream.on('error', fail);
    req.pipe(upstream);
  }

  #probeAll(): void {
    for (const b of this.#backends.values()) this.#probe(b);
  }

  /** One kubelet-style probe: a fresh connection, success = 2xx/3xx within the timeout. */
  #probe(b: Backend): void {
    if (b.probing) return;
    b.probing = true;
    const set = (ready: boolean) => {
      b.probing = false;
      if (!this.#backends.has(b.name) || this.#backends.get(b.name) !== b) return;
      if (b.ready !== ready) this.transitions.push({ at: Date.now(), backend: b.name, ready });
      b.ready = ready;
    };
    const probe = request({ host: b.host, port: b.port, path: this.#probePath, method: 'GET', agent: false, timeout: this.#timeoutMs, headers: { connection: 'close', 'user-agent': 'kube-probe/1.31' } });
    probe.on('response', (r) => {
      r.resume();
      r.on('end', () => set(r.statusCode !== undefined && r.statusCode >= 200 && r.statusCode < 400));
      r.on('error', () => set(false));
    });
    probe.on('timeout', () => probe.destroy(new Error('probe timeout')));
    probe.on('error', () => set(false));
    probe.end();
  }
}
