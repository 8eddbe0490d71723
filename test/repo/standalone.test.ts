import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A user's clone has nothing beside it: no test, script or CI step may read a folder outside the
 * repository (the design notes sat in a sibling folder only on the machines this was written on).
 * What the tests need is copied into the repository (test/fixtures/, with source and version).
 */
const root = join(import.meta.dirname, '../..');
const SCANNED = ['test', 'scripts', '.ci', 'tools', 'bench', 'helm', 'k8s', 'src', 'package.json', 'vitest.config.ts', 'Dockerfile'];
const SKIP = new Set(['node_modules', 'out', 'cache', 'dist']);
const OUTSIDE = [/\.\.[/\\]+shared\b/, /['"`]\.\.['"`]\s*,\s*['"`]shared['"`]/, /(?<![\w.])\/work\//];

function* files(path: string): Generator<string> {
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && !/\.(sum|png|jpg)$/.test(entry.name)) yield full;
  }
}

describe('the repository stands on its own', () => {
  it('no source, test, script or CI step refers to a folder outside the repository', () => {
    const self = relative(root, import.meta.filename);
    const offenders: string[] = [];
    for (const top of SCANNED) {
      for (const file of files(join(root, top))) {
        if (relative(root, file) === self) continue;
        readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('ships the Prometheus Operator CRDs the chart tests validate against, with their upstream version', () => {
    const dir = join(root, 'test/fixtures/k8s-crds');
    for (const kind of ['servicemonitors', 'prometheusrules']) {
      const text = readFileSync(join(dir, `monitoring.coreos.com_${kind}.yaml`), 'utf8');
      expect(text).toMatch(/^# .*\n# https:\/\/github\.com\/prometheus-operator\/prometheus-operator\/blob\/[0-9a-f]{40}\//);
      const version = /operator\.prometheus\.io\/version: (\S+)/.exec(text)?.[1];
      expect(text.split('\n').slice(0, 4).join('\n')).toContain(`Operator version ${version}`);
    }
  });
});
