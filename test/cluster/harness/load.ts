import { Agent, request } from 'node:http';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/curves/utils.js';

/** One HTTP exchange as the load generator saw it. */
export interface Sample {
  op: string;
  status: number;
  /** Wall-clock start, epoch ms. */
  start: number;
  ms: number;
  /** The replica that answered (the balancer's `x-backend`), when known. */
  backend?: string;
  /** Transport error code, or the balancer's error for a 502. */
  error?: string;
  /** Error code of a JSON error body (`error` field). */
  code?: string;
}

export interface Reply {
  status: number;
  json: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** One keep-alive pool per load generator, like a client behind a Service. */
export class Http {
  readonly samples: Sample[] = [];
  readonly #agent: Agent;

  constructor(maxSockets = 64) {
    this.#agent = new Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** Sends one request and records it; never throws (a transport failure is status 0). */
  async call(op: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const start = Date.now();
    const t0 = performance.now();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const reply = await new Promise<Reply & { error?: string }>((resolve) => {
      const req = request(url, {
        method,
        agent: this.#agent,
        timeout: 10_000,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, json: {}, headers: {}, error: err.code ?? err.message }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, json: {}, headers: res.headers, error: err.code ?? err.message }));
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            // Not JSON (an empty 304, say).
          }
          resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
        });
      });
      req.end(payload);
    });
    const sample: Sample = { op, status: reply.status, start, ms: performance.now() - t0 };
    const backend = reply.headers['x-backend'];
    if (typeof backend === 'string') sample.backend = backend;
    const balancerError = reply.headers['x-balancer-error'];
    if (reply.error) sample.error = reply.error;
    else if (typeof balancerError === 'string') sample.error = balancerError;
    if (typeof reply.json.error === 'string') sample.code = reply.json.error;
    this.samples.push(sample);
    return reply;
  }
}

/** An Ed25519 wallet as the contract describes it: address = lowercase hex of the public key. */
export class Wallet {
  readonly #secret: Uint8Array;
  readonly publicKey: string;

  constructor() {
    this.#secret = ed25519.utils.randomSecretKey();
    this.publicKey = bytesToHex(ed25519.getPublicKey(this.#secret));
  }

  get address(): string {
    return this.publicKey;
  }

  /** The sign-in body for `challenge` (the signature covers the challenge string's UTF-8 bytes). */
  signInBody(challenge: string): Record<string, string> {
    const signature = bytesToHex(ed25519.sign(new TextEncoder().encode(challenge), this.#secret));
    return { algorithm: 'Ed25519', address: this.address, public_key: this.publicKey, signature, challenge };
  }
}

export const AUTH = '/api/v1/auth';

/** challenge -> sign-in through `base`; the tokens, or undefined when a step failed (recorded). */
export async function signIn(http: Http, base: string, wallet: Wallet): Promise<{ access: string; refresh: string } | undefined> {
  const ch = await http.call('challenge', 'POST', `${base}${AUTH}/challenge`, { address: wallet.address });
  if (ch.status !== 200) return undefined;
  const si = await http.call('sign-in', 'POST', `${base}${AUTH}/sign-in`, wallet.signInBody(ch.json.challenge as string));
  if (si.status !== 200) return undefined;
  return { access: si.json.access_token as string, refresh: si.json.refresh_token as string };
}

/**
 * Runs `workers` loops of `step` until `stop()` says so (checked before each step) or `maxMs`
 * passes: bounded whatever happens. Resolves when every loop has finished its current step.
 */
export async function runLoad(workers: number, step: (worker: number) => Promise<void>, stop: () => boolean, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (!stop() && Date.now() < deadline) await step(w);
    }),
  );
}
