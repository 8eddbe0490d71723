import type { TestCluster } from './cluster.js';
import { AUTH, Http, runLoad, signIn, Wallet, type Sample } from './load.js';

export const SIGN_IN_OPS = new Set(['challenge', 'sign-in']);

/**
 * The load every scenario runs: wallets sign in through the balancer and the downstream sample API
 * validates each access token at once. `tokens` collects the issued access tokens.
 */
export class SignInLoad {
  readonly http = new Http(64);
  readonly tokens: string[] = [];
  readonly #cluster: TestCluster;
  readonly #wallets: Wallet[];
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(cluster: TestCluster, workers = 8) {
    this.#cluster = cluster;
    this.#wallets = Array.from({ length: workers }, () => new Wallet());
  }

  start(maxMs = 60_000): this {
    this.#running = runLoad(this.#wallets.length, (w) => this.#step(w), () => this.#stopped, maxMs);
    return this;
  }

  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    await this.#running;
    this.http.close();
    return this.http.samples;
  }

  async #step(w: number): Promise<void> {
    const tokens = await signIn(this.http, this.#cluster.url, this.#wallets[w]!);
    if (!tokens) {
      // A failed step is recorded; pause briefly so an outage is not a busy loop.
      await new Promise((r) => setTimeout(r, 20));
      return;
    }
    this.tokens.push(tokens.access);
    await validate(this.http, this.#cluster, tokens.access);
  }
}

export async function validate(http: Http, cluster: TestCluster, token: string, op = 'validate'): Promise<number> {
  const r = await http.call(op, 'GET', `${cluster.sample!.url}/api/data`, undefined, { authorization: `Bearer ${token}` });
  return r.status;
}

/** The `kid` of a compact JWS. */
export function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
}

/** The replica's readiness body (active kid, key count). */
export async function readyz(url: string): Promise<{ status: number; activeKid?: string; keyCount?: number; store?: { ready: boolean } }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { keys?: { active_kid: string; count: number }; store?: { ready: boolean } };
    return { status: res.status, activeKid: body.keys?.active_kid, keyCount: body.keys?.count, store: body.store };
  } catch {
    return { status: 0 };
  }
}

export { AUTH };
