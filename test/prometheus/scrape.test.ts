import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../src/server/index.js';
import { freePort } from '../helpers/redis-server.js';
import { ed25519Wallet, makeKeyDir, postJson, signIn } from '../helpers/service.js';
import { prometheusTools } from './tools.js';

const tools = prometheusTools('prometheus');

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus server (Debian's package) on loopback scrapes three running replicas through
 * their metrics ports; its HTTP API must return our series with the expected labels, and the
 * "replicas serve different key sets" expression must see the replica with another key.
 */
describe.skipIf(tools.skip)('a real Prometheus scraping the service', () => {
  const services: AuthService[] = [];
  const apis: string[] = [];
  /** host:port of each replica's metrics port: Prometheus's `instance` label. */
  const targets: string[] = [];
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let dir: string;
  const output: string[] = [];

  async function query(expr: string): Promise<Series[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { resultType: string; result: Series[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
    return body.data.result;
  }

  /** Polls until `check` passes (scrapes happen every second), failing with Prometheus's output. */
  async function eventually<T>(what: string, fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      try {
        last = await fn();
        if (check(last)) return last;
      } catch {
        // Prometheus not answering yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}\nprometheus output:\n${output.join('').slice(-3000)}`);
  }

  beforeAll(async () => {
    tools.require();
    // Replicas a and b share a key directory; c has its own key (a forgotten Secret update).
    const shared = makeKeyDir('EdDSA');
    for (const keysDir of [shared, shared, makeKeyDir('EdDSA')]) {
      const service = await createAuthService({ serverAuth: { keysDir, logLevel: 'silent', metricsPort: 0, shutdownGraceSeconds: 1 } });
      services.push(service);
    }
    for (const service of services) {
      const { url, metricsUrl } = await service.listen(0, '127.0.0.1');
      apis.push(`${url}/api/v1/auth`);
      targets.push(new URL(metricsUrl!).host);
    }

    dir = mkdtempSync(join(tmpdir(), 'pico-prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: pico-auth',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      tools.paths.prometheus!,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    prometheus.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    await eventually('Prometheus to be ready', async () => (await fetch(`${promUrl}/-/ready`)).status, (s) => s === 200);
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await Promise.all(services.map((s) => s.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns our series with the expected labels from its HTTP API', async () => {
    tools.require();
    await signIn(apis[0]!);
    await signIn(apis[0]!);
    await signIn(apis[1]!);
    const wallet = ed25519Wallet();
    const ch = await postJson(`${apis[2]}/challenge`, { address: wallet.address });
    await postJson(`${apis[2]}/sign-in`, { ...wallet.body(ch.json.challenge), signature: ed25519Wallet().sign(ch.json.challenge) });
    await fetch(`${apis[2]}/jwks`);

    const success = await eventually(
      'the sign-ins to be scraped',
      () => query('sum(pico_auth_sign_ins_total{job="pico-auth",algorithm="Ed25519",outcome="success"})'),
      (r) => Number(r[0]?.value[1]) === 3,
    );
    expect(success).toHaveLength(1);

    // Targets are scraped independently: the sum above can be complete before the third target's
    // first scrape, so wait for all three `up` series rather than reading them once.
    const up = await eventually('all three targets to be scraped', () => query('up{job="pico-auth"}'), (r) => r.length === 3);
    expect(up.map((s) => s.value[1])).toEqual(['1', '1', '1']);

    await eventually(
      'the bad signature and the JWKS request to be scraped',
      () => query('pico_auth_sign_ins_total{outcome="bad_signature",algorithm="Ed25519"} > 0'),
      (r) => r.length === 1,
    );
    const badSignature = await query('pico_auth_sign_ins_total{outcome="bad_signature",algorithm="Ed25519"} > 0');
    expect(badSignature[0]!.metric).toMatchObject({ __name__: 'pico_auth_sign_ins_total', job: 'pico-auth', algorithm: 'Ed25519', outcome: 'bad_signature' });
    expect(badSignature[0]!.metric.instance).toBe(targets[2]);

    const buckets = await eventually(
      'the JWKS histogram',
      () => query('pico_auth_http_request_duration_seconds_bucket{route="/api/v1/auth/jwks",le="+Inf"}'),
      (r) => r.length === 1,
    );
    expect(buckets[0]!.metric).toMatchObject({ method: 'GET', route: '/api/v1/auth/jwks', status_class: '2xx', le: '+Inf' });
    const signInCount = await query('sum(pico_auth_http_request_duration_seconds_count{method="POST",route="/api/v1/auth/sign-in",status_class="2xx"})');
    expect(Number(signInCount[0]!.value[1])).toBe(3);

    const failures = await query('pico_auth_keyring_reload_failures_total');
    expect(failures.map((s) => s.value[1])).toEqual(['0', '0', '0']);
    const active = await query('pico_auth_keyring_keys{state="active"}');
    expect(active.map((s) => s.value[1])).toEqual(['1', '1', '1']);
    expect((await query('pico_auth_process_cpu_seconds_total')).length).toBe(3);
  });

  it('lets an alert see replicas serving different key sets', async () => {
    tools.require();
    const fingerprints = services.map((s) => s.keys.keyring!.fingerprint);
    expect(fingerprints[0]).toBe(fingerprints[1]);
    expect(fingerprints[2]).not.toBe(fingerprints[0]);
    const byFingerprint = await eventually(
      'the fingerprint series',
      () => query('count by (fingerprint) (pico_auth_jwks_fingerprint_info)'),
      (r) => r.length === 2,
    );
    const counts = Object.fromEntries(byFingerprint.map((s) => [s.metric.fingerprint, s.value[1]]));
    expect(counts).toEqual({ [fingerprints[0]!]: '2', [fingerprints[2]!]: '1' });
    // The alert expression of docs/metrics.md fires.
    const alert = await query('count(count by (fingerprint) (pico_auth_jwks_fingerprint_info{job="pico-auth"})) > 1');
    expect(alert).toHaveLength(1);
  });
});
