import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The chart tests need the helm that .ci/setup.d/30-k8s-tools.sh pins (or a newer 3.x): an older
 * helm, or a `go install`ed one without version stamps (which believes Kubernetes is 1.20), fails
 * the chart's `kubeVersion` check or renders for the wrong API versions. Checked once per process,
 * before the first helm call, with a message that says how to get the right one.
 */
const repoRoot = join(import.meta.dirname, '../..');
const SETUP_SCRIPT = '.ci/setup.d/30-k8s-tools.sh';

/** The helm version CI builds, e.g. `v3.22.0`. */
export function pinnedHelmVersion(): string {
  const script = readFileSync(join(repoRoot, SETUP_SCRIPT), 'utf8');
  const m = /^PICO_HELM_VERSION="(v\d+\.\d+\.\d+)"/m.exec(script);
  if (!m?.[1]) throw new Error(`${SETUP_SCRIPT} pins no PICO_HELM_VERSION`);
  return m[1];
}

function parts(version: string): [number, number, number] | undefined {
  // A `go install`ed helm stamps only major.minor (`v3.22`): the patch then counts as 0.
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Why `found` will not do for a suite pinned to `pinned`, or undefined when it will. Pure. */
export function helmVersionProblem(found: string, pinned: string): string | undefined {
  const have = parts(found);
  const want = parts(pinned)!;
  if (!have) return `it reports no usable version (${JSON.stringify(found.trim())}); a helm built without version stamps cannot be checked`;
  if (have[0] !== want[0]) return `it is major version ${have[0]}; the tests are written for helm ${want[0]}.x`;
  for (let i = 1; i < 3; i++) {
    if (have[i]! > want[i]!) return undefined;
    if (have[i]! < want[i]!) return `it is older than ${pinned}`;
  }
  return undefined;
}

export function helmAdvice(pinned = pinnedHelmVersion()): string {
  return `Get helm ${pinned}: \`source ${SETUP_SCRIPT}\` builds it into ~/.cache/pico-server-auth/k8s-tools/helm-${pinned}/ and puts it first on PATH (the tests also find it there).`;
}

const checked = new Map<string, Promise<void>>();

/** Throws a clear error when the helm at `path` is not the pinned 3.x (or newer 3.x). Memoised per path. */
export function assertHelmVersion(path: string): Promise<void> {
  let check = checked.get(path);
  if (!check) {
    check = (async () => {
      const pinned = pinnedHelmVersion();
      let found: string;
      try {
        found = (await promisify(execFile)(path, ['version', '--template', '{{.Version}}'])).stdout;
      } catch (err) {
        throw new Error(`${path} does not run (${(err as Error).message}). ${helmAdvice(pinned)}`);
      }
      const problem = helmVersionProblem(found, pinned);
      if (problem) throw new Error(`helm at ${path} (${found.trim() || 'no version'}) cannot run the chart tests: ${problem}. ${helmAdvice(pinned)}`);
    })();
    checked.set(path, check);
  }
  return check;
}
