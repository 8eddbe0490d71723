import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (test/kube/ is two levels below it). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pico-server-auth');

/** The Kubernetes release tools/kube/go.mod pins, e.g. `v1.36.3`. */
export function kubeVersion(): string {
  const gomod = readFileSync(join(repoRoot, 'tools', 'kube', 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes (v\d+\.\d+\.\d+)/m.exec(gomod);
  if (!m?.[1]) throw new Error('tools/kube/go.mod pins no k8s.io/kubernetes version');
  return m[1];
}

export interface KubeBinaries {
  apiserver: string;
  etcd: string;
}

/**
 * Where tools/kube/build.sh put kube-apiserver and etcd: `$PICO_KUBE_BIN_DIR` (exported by
 * .ci/setup.d/40-kube-apiserver.sh) or the cache folder for the pinned version.
 */
export function findKubeBinaries(): KubeBinaries | undefined {
  const dir = process.env.PICO_KUBE_BIN_DIR || join(cacheRoot, 'kube', kubeVersion());
  const apiserver = join(dir, 'kube-apiserver');
  const etcd = join(dir, 'etcd');
  return existsSync(apiserver) && existsSync(etcd) ? { apiserver, etcd } : undefined;
}

/** helm from PATH (CI's setup exports it) or from the cache .ci/setup.d/30-k8s-tools.sh fills. */
export function findHelm(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'helm'))) return join(dir, 'helm');
  }
  const tools = join(cacheRoot, 'k8s-tools');
  if (!existsSync(tools)) return undefined;
  const builds = readdirSync(tools)
    .filter((d) => d.startsWith('helm-') && existsSync(join(tools, d, 'helm')))
    .sort();
  const last = builds.at(-1);
  return last ? join(tools, last, 'helm') : undefined;
}

/**
 * What a suite needing these tools does without them: in CI it must fail (the setup scripts
 * install them); on a developer's machine it skips with a loud message naming the fix.
 */
export function missingToolReason(tools: Record<string, string | undefined>): string | undefined {
  const missing = Object.entries(tools)
    .filter(([, path]) => !path)
    .map(([name]) => name);
  if (missing.length === 0) return undefined;
  const why =
    `[kube tests] missing ${missing.join(', ')}: run tools/kube/build.sh (kube-apiserver, etcd) ` +
    'and .ci/setup.d/30-k8s-tools.sh (helm)';
  if (process.env.CI) throw new Error(`${why}; CI must run these tests`);
  console.warn(`\n${why}. The Kubernetes API server tests are SKIPPED.\n`);
  return why;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (never through a shell) and returns its exit code and output. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(
      file,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd ?? repoRoot, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === 1 && !stderr ? String(err) : '') });
      },
    );
  });
}

/** Like run(), but throws with the output when the exit code is not 0. */
export async function runOk(file: string, args: readonly string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const res = await run(file, args, opts);
  if (res.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${res.code}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
  }
  return res;
}
