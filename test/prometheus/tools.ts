import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The binaries of Debian's `prometheus` package, which `.ci/setup.d/20-prometheus.sh` installs.
 * In CI a missing binary fails the suite (`skip` is false and `missing` names it); on a machine
 * without them the suite is skipped, loudly.
 */
export function prometheusTools(...names: ('promtool' | 'prometheus')[]) {
  const paths = Object.fromEntries(names.map((n) => [n, which(n)])) as Record<(typeof names)[number], string | undefined>;
  const missing = names.filter((n) => !paths[n]);
  const skip = missing.length > 0 && !process.env.CI;
  if (skip) {
    console.warn(
      `\n[prometheus tests] ${missing.join(' and ')} NOT FOUND on PATH: these tests are SKIPPED locally.` +
        `\n  Install Debian's prometheus package (sudo apt-get install prometheus, or source .ci/setup.d/20-prometheus.sh); CI fails without it.\n`,
    );
  }
  return {
    paths,
    skip,
    /** Call first in each test: throws in CI when a binary is missing. */
    require(): void {
      if (missing.length) throw new Error(`CI needs ${missing.join(' and ')} (Debian's prometheus package; see .ci/setup.d/20-prometheus.sh)`);
    },
  };
}
