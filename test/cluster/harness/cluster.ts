import { randomBytes } from 'node:crypto';
import { generateKeyPem } from '../../../src/server/keys/generate.js';
import { Balancer } from './balancer.js';
import { KubeletKeyDir } from './key-dir.js';
import { NodeProcess } from './process.js';

export const AUDIENCE = 'pico-cluster-test';
export const JWKS = '/api/v1/auth/jwks';

export interface ClusterOptions {
  /** Replica names; default r1, r2, r3. */
  replicas?: string[];
  /** How the replicas reach Redis (REDIS_URL, or the Sentinel / Cluster variables); {} for the embedded default. */
  redisEnv: Record<string, string>;
  /** Extra environment for every replica (wins over the defaults). */
  env?: Record<string, string>;
  /** Also start the downstream sample API (the client library), validating against the balancer. */
  sample?: boolean;
}

/**
 * N replicas of the service sharing one Redis and one kubelet-style key directory, behind a
 * readiness-probed round-robin balancer, optionally with the sample downstream API validating the
 * tokens. Every process listens on 127.0.0.1 only.
 */
export class TestCluster {
  readonly keyDir: KubeletKeyDir;
  readonly balancer: Balancer;
  readonly replicas = new Map<string, NodeProcess>();
  readonly keyPrefix = `pico-cluster:${randomBytes(4).toString('hex')}:`;
  /** The signing key the cluster started with (its PEM). */
  readonly initialKey: string;
  sample: NodeProcess | undefined;
  readonly #options: ClusterOptions;

  private constructor(options: ClusterOptions) {
    this.#options = options;
    this.initialKey = generateKeyPem('RS256');
    this.keyDir = new KubeletKeyDir(new Map([['active.pem', this.initialKey]]));
    this.balancer = new Balancer({ probePath: JWKS, periodMs: 200, timeoutMs: 1000 });
  }

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const cluster = new TestCluster(options);
    try {
      await cluster.balancer.start();
      const names = options.replicas ?? ['r1', 'r2', 'r3'];
      await Promise.all(names.map((n) => cluster.startReplica(n)));
      if (options.sample) await cluster.startSample();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The Service address. */
  get url(): string {
    return this.balancer.url;
  }

  replica(name: string): NodeProcess {
    const r = this.replicas.get(name);
    if (!r) throw new Error(`no replica ${name}`);
    return r;
  }

  /** The environment of a replica: production mode, fast key re-checks, a 1 s preStop-like delay. */
  replicaEnv(): Record<string, string> {
    return {
      NODE_ENV: this.#options.redisEnv.REDIS_URL || this.#options.redisEnv.REDIS_SENTINELS || this.#options.redisEnv.REDIS_CLUSTER_NODES ? 'production' : 'development',
      LOG_LEVEL: 'warn',
      AUTH_ISSUER: this.url,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_KEYS_DIR: this.keyDir.dir,
      AUTH_KEYS_RELOAD_INTERVAL_SECONDS: '1',
      AUTH_JWKS_MAX_AGE_SECONDS: '2',
      // Readiness fails at once on SIGTERM; the prober (200 ms) sees it well within 1 s.
      AUTH_SHUTDOWN_DELAY_SECONDS: '1',
      AUTH_SHUTDOWN_GRACE_SECONDS: '5',
      REDIS_KEY_PREFIX: this.keyPrefix,
      // The default 500 ms suits a dedicated pod; on a shared 2-core CI machine running 7+
      // processes the event loop alone can lag that long. Outages are detected by the closed
      // connection, not by this timeout, so the fault scenarios measure the same either way.
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      // All load comes from 127.0.0.1: per-IP limits would measure the limiter, not the cluster.
      AUTH_RATE_LIMIT_CHALLENGE_PER_IP: '0',
      AUTH_RATE_LIMIT_CHALLENGE_PER_ADDRESS: '0',
      AUTH_RATE_LIMIT_SIGN_IN_PER_IP: '0',
      AUTH_RATE_LIMIT_REFRESH_PER_IP: '0',
      ...this.#options.redisEnv,
      ...this.#options.env,
    };
  }

  /** Starts (or restarts, on a new port) replica `name` and waits until the balancer routes to it. */
  async startReplica(name: string, env: Record<string, string> = {}): Promise<NodeProcess> {
    const proc = await NodeProcess.spawn(name, 'src/server/main.ts', { ...this.replicaEnv(), ...env });
    this.replicas.set(name, proc);
    await proc.waitReady('/readyz');
    this.balancer.add(name, proc.port);
    await waitUntil(() => this.balancer.readyBackends().includes(name), 10_000, `${name} never became ready at the balancer`);
    return proc;
  }

  async startSample(): Promise<NodeProcess> {
    const sample = await NodeProcess.spawn('sample', 'src/sample/main.ts', {
      NODE_ENV: 'production',
      AUTH_CLIENT_ISSUER: this.url,
      AUTH_CLIENT_AUDIENCE: AUDIENCE,
      AUTH_CLIENT_JWKS_URL: `${this.url}${JWKS}`,
      AUTH_CLIENT_ALLOW_INSECURE_HTTP: 'true',
    });
    this.sample = sample;
    await sample.waitReady('/readyz');
    return sample;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.replicas.values(), ...(this.sample ? [this.sample] : [])].map((p) => p.stop(3000)));
    await this.balancer.close();
    this.keyDir.remove();
  }
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}
