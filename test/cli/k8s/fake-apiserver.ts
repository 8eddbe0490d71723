import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface StoredSecret {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/**
 * A stand-in for the Secret endpoints of a kube-apiserver, on 127.0.0.1: GET, POST (409 when the
 * Secret exists) and JSON merge PATCH (409 when metadata.resourceVersion is stale), bearer-token
 * auth (403 for any other token), Status bodies like the real server's. Enough to check the
 * requests the CLI sends; issue 9's suite runs the same commands against a real API server.
 */
export class FakeApiServer {
  readonly secrets = new Map<string, StoredSecret>();
  readonly requests: RecordedRequest[] = [];
  private version = 100;
  private server!: Server;
  url = '';

  constructor(readonly token = 'test-token') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * A kubeconfig file for this server, with a default namespace. The client refuses a bearer token
   * over plain HTTP unless TLS verification is explicitly skipped, which only this test does.
   */
  kubeconfig(namespace = 'auth', token = this.token): string {
    const dir = mkdtempSync(join(tmpdir(), 'pico-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: fake, cluster: {server: "' + this.url + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: tester, user: {token: "' + token + '"}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: ' + namespace + '}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  private status(code: number, reason: string, message: string) {
    return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code } };
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    this.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.status(403, 'Forbidden', 'secrets is forbidden: User "system:anonymous" cannot get resource "secrets"');

    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
    if (!m) return this.status(404, 'NotFound', `no route ${path}`);
    const [, ns, name] = m;
    const key = `${ns}/${name}`;
    if (req.method === 'POST' && !name) {
      const s = body as StoredSecret;
      const k = `${ns}/${s.metadata.name}`;
      if (this.secrets.has(k)) return this.status(409, 'AlreadyExists', `secrets "${s.metadata.name}" already exists`);
      const stored = { ...s, metadata: { ...s.metadata, namespace: ns!, resourceVersion: String(++this.version) } };
      this.secrets.set(k, stored);
      return { status: 201, body: stored };
    }
    const existing = this.secrets.get(key);
    if (!existing) return this.status(404, 'NotFound', `secrets "${name}" not found`);
    if (req.method === 'GET') return { status: 200, body: existing };
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') return this.status(415, 'UnsupportedMediaType', 'expected a merge patch');
      const patch = body as { metadata?: { resourceVersion?: string; annotations?: Record<string, string | null> }; data?: Record<string, string | null> };
      if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return this.status(409, 'Conflict', 'Operation cannot be fulfilled on secrets: the object has been modified; please apply your changes to the latest version and try again');
      }
      const merge = (target: Record<string, string> = {}, src: Record<string, string | null> = {}) => {
        const out = { ...target };
        for (const [k, v] of Object.entries(src)) {
          if (v === null) delete out[k];
          else out[k] = v;
        }
        return out;
      };
      existing.data = merge(existing.data, patch.data);
      existing.metadata.annotations = merge(existing.metadata.annotations, patch.metadata?.annotations);
      existing.metadata.resourceVersion = String(++this.version);
      return { status: 200, body: existing };
    }
    return this.status(405, 'MethodNotAllowed', `${req.method} not allowed`);
  }
}
