#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --profile`):
// the top frames by self time, and self time grouped by package / source file.
// Frames in a file with a source map (the bundle dist/bundle/server.mjs, and tsc's dist/**/*.js
// maps after it) are attributed to the original file and line, so the bundle is not one opaque
// entry: `(mapped)` counts what the maps resolved.
// Usage: node bench/profile-top.mjs <file.cpuprofile> [topN]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-top.mjs <file.cpuprofile> [topN]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
process.stdout.on('error', () => process.exit(0)); // piped into head
const profile = JSON.parse(readFileSync(file, 'utf8'));
mapFrames(profile.nodes);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
// Sample i lasted timeDeltas[i + 1] (microseconds); close enough to attribute per sample.
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
});
// Percentages are of busy time: idle samples (the event loop waiting) are left out.
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
for (const id of idleIds) self.delete(id);
const total = [...self.values()].reduce((a, b) => a + b, 0);
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const frame = (n) => {
  const cf = n.callFrame;
  const where = cf.url ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, 'nm:').replace(/^.*\/(dist|src)\//, '$1/')}:${cf.lineNumber + 1}` : '';
  return `${cf.functionName || '(anonymous)'} ${where}`.trim();
};
const group = (n) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `nm:${nm[1]}`;
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src)\//, '$1/');
};
const sum = (keyOf) => {
  const m = new Map();
  for (const [id, t] of self) {
    const k = keyOf(byId.get(id));
    m.set(k, (m.get(k) ?? 0) + t);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
};
const pct = (t) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s busy (idle excluded)\n\nTop frames by self time:\n`);
for (const [k, t] of sum(frame).slice(0, top)) process.stdout.write(`${pct(t)}  ${k}\n`);
process.stdout.write('\nSelf time by package / file:\n');
for (const [k, t] of sum(group).slice(0, top)) process.stdout.write(`${pct(t)}  ${k}\n`);
process.stdout.write('\nTop functions by inclusive time (self + callees):\n');
const incl = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = frame(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).filter(([k]) => !k.startsWith('(root)')).slice(0, top)) process.stdout.write(`${pct(t)}  ${k}\n`);

/** Rewrites each call frame of a source-mapped file to its original url and line (chained through up to 3 maps). */
function mapFrames(nodes) {
  const maps = new Map();
  const mapFor = (url) => {
    if (maps.has(url)) return maps.get(url);
    let map = null;
    try {
      const path = url.startsWith('file://') ? fileURLToPath(url) : url;
      if (path.startsWith('/') && existsSync(`${path}.map`)) map = { map: new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))), dir: dirname(path) };
    } catch {
      map = null;
    }
    maps.set(url, map);
    return map;
  };
  let mapped = 0;
  for (const n of nodes) {
    const cf = n.callFrame;
    let changed = false;
    for (let hop = 0; hop < 3 && cf.url && cf.lineNumber >= 0; hop++) {
      const m = mapFor(cf.url);
      const entry = m?.map.findEntry(cf.lineNumber, cf.columnNumber);
      if (!entry?.originalSource) break;
      const source = entry.originalSource.startsWith('file://') ? entry.originalSource : pathToFileURL(resolve(m.dir, entry.originalSource)).href;
      Object.assign(cf, { url: source, lineNumber: entry.originalLine, columnNumber: entry.originalColumn });
      changed = true;
    }
    if (changed) mapped++;
  }
  if (mapped > 0) process.stderr.write(`(mapped) ${mapped} of ${nodes.length} frames through source maps\n`);
}
