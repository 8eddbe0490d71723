import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../kube/tools.js';
import { freePort } from '../helpers/redis-server.js';
import { until } from './workload.js';

/**
 * The Prometheus built with the Kubernetes service discovery by .ci/setup.d/22-prometheus-kubernetes-sd.sh
 * (Debian's has none): `$PICO_PROMETHEUS_K8S_BIN`, or the cache folder for the version the step pins.
 */
export function findPrometheusK8s(): string | undefined {
  const fromEnv = process.env.PICO_PROMETHEUS_K8S_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const step = readFileSync(join(repoRoot, '.ci/setup.d/22-prometheus-kubernetes-sd.sh'), 'utf8');
  const version = /^PICO_PROMETHEUS_VERSION="([^"]+)"/m.exec(step)?.[1];
  const bin = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pico-server-auth', 'prometheus', version ?? '?', 'prometheus');
  return existsSync(bin) ? bin : undefined;
}

/** The scrape configuration the chart's README gives users, between its scrape-config markers. */
export function readmeScrapeConfigs(): Array<Record<string, unknown>> {
  const readme = readFileSync(join(repoRoot, 'helm/pico-auth/README.md'), 'utf8');
  const block = /<!-- scrape-config:start[^>]*-->\s*```yaml\n([\s\S]*?)```\s*<!-- scrape-config:end -->/.exec(readme)?.[1];
  if (!block) throw new Error('helm/pico-auth/README.md has no scrape-config block');
  const doc = parse(block) as { scrape_configs?: Array<Record<string, unknown>> };
  if (!doc.scrape_configs?.length) throw new Error('the README scrape-config block has no scrape_configs');
  return doc.scrape_configs;
}

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  query(expr: string): Promise<Series[]>;
  /** Active targets of the API (`/api/v1/targets?state=active`). */
  targets(): Promise<Array<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }>>;
  /** The end of its log, for a failing assertion's message. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on a free loopback port with `scrapeConfigs` (scraped every 2 s), its data and
 * log under `dir`; waits (bounded) until it is ready.
 */
export async function startPrometheus(bin: string, dir: string, scrapeConfigs: Array<Record<string, unknown>>): Promise<RunningPrometheus> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({ global: { scrape_interval: '2s', scrape_timeout: '1s', evaluation_interval: '2s' }, scrape_configs: scrapeConfigs }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'prometheus.log');
  const out = createWriteStream(logFile);
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '');
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    out.end();
  };
  try {
    await until('Prometheus ready', 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}`);
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${log()}`);
  }
  return {
    url,
    query: async (expr) => (await api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    targets: async () => (await api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }> }>('/api/v1/targets?state=active')).activeTargets,
    log,
    stop,
  };
}
