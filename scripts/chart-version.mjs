#!/usr/bin/env node
// Ties the chart to the package version: helm/pico-auth/Chart.yaml `appVersion` (the default image
// tag) and the example overlay's image `newTag` follow package.json's `version`. Runs as npm's
// `version` hook, so `npm version minor` updates and stages them with package.json.
//   node scripts/chart-version.mjs [ROOT]           write the files
//   node scripts/chart-version.mjs --check [ROOT]   exit 1 naming each file that drifted
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const check = args[0] === '--check';
const root = (check ? args[1] : args[0]) ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

// Each target: a file and the one line that carries the version (its quotes kept as YAML strings).
const targets = [
  { file: 'helm/pico-auth/Chart.yaml', line: /^appVersion: .*$/m, text: `appVersion: "${version}"` },
  { file: 'k8s/overlays/example/kustomization.yaml', line: /^(\s+newTag:) .*$/m, text: `    newTag: "${version}"` },
];

const drifted = [];
for (const t of targets) {
  const path = join(root, t.file);
  const before = readFileSync(path, 'utf8');
  if (!t.line.test(before)) throw new Error(`${t.file}: no line matching ${t.line}`);
  const after = before.replace(t.line, t.text);
  if (after === before) continue;
  if (check) drifted.push(`${t.file} (${before.match(t.line)[0].trim()})`);
  else writeFileSync(path, after);
}
if (drifted.length) {
  console.error(`not at the package version ${version} (run node scripts/chart-version.mjs): ${drifted.join(', ')}`);
  process.exitCode = 1;
}
