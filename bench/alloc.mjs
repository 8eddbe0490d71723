#!/usr/bin/env node
// `npm run bench:alloc`: what a sign-in allocates, from V8's own GC trace rather than from timing.
// On a noisy VM two identical contenders differ by ±10% in throughput per CPU-second (bench/PAIRS.md),
// so a change worth 2% of CPU cannot be resolved by timing; the bytes it allocates can. Each
// contender runs with `--trace-gc-nvp` (one line per GC with `allocated=` bytes since the previous
// GC, `promoted=` bytes moved to the old generation, `pause=` ms on the main thread); the bench sums
// the lines of each load run (from the second GC of the run to its last, over the isolate time
// between them) and divides by the sign-ins in that time.
//
// Contenders: this build (dist/bundle/server.mjs, the image's V8 flags and environment), the floor
// (bench/targets/signin-floor.mjs: node:http + ioredis + node:crypto doing the same Redis work),
// and BENCH_SERVICE_OLD=<another build's bundle> when set. Alternated for `--pairs` (default 3)
// runs of `--seconds` (default 5), 16 connections, load generator and Redis on the other core.
// Prints a Markdown table (median and min-max per contender); writes nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadRun, median } from './lib/measure.mjs';
import { stopWorkers } from './lib/proc.mjs';
import { imageRuntime, keyDir, signInOnce, startRedis, startService, startTarget, stopAll } from './lib/services.mjs';

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const pairs = Number(arg('pairs') ?? 3);
const seconds = Number(arg('seconds') ?? 5);
const log = (msg) => process.stderr.write(`${msg}\n`);
const TRACE = ['--trace-gc-nvp'];

/** Collects the GC lines a child prints: isolate time (ms), bytes allocated and promoted, pause (ms). */
function gcLines(child) {
  const lines = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = /\s([\d.]+) ms: pause=([\d.]+) .*? gc=(\w+) .*?\sallocated=(\d+) promoted=(\d+)/.exec(line);
      if (m) lines.push({ t: Number(m[1]), pause: Number(m[2]), kind: m[3], allocated: Number(m[4]), promoted: Number(m[5]) });
    }
  });
  return lines;
}

/** One load run: bytes allocated and promoted, and main-thread GC pause, per sign-in. */
async function measure(target) {
  const from = target.gc.length;
  const r = await loadRun(target, { kind: 'signin', url: target.url, connections: 16 }, seconds);
  const gcs = target.gc.slice(from);
  if (gcs.length < 3) throw new Error(`${target.key}: ${gcs.length} GCs in a ${seconds} s run; run longer (--seconds)`);
  const [first, ...rest] = gcs;
  const spanMs = rest.at(-1).t - first.t;
  const signIns = (r.rps * spanMs) / 1000;
  const sum = (k) => rest.reduce((s, g) => s + g[k], 0);
  return {
    rps: r.rps,
    allocatedKB: sum('allocated') / signIns / 1024,
    promotedB: sum('promoted') / signIns,
    pauseUs: (sum('pause') * 1000) / signIns,
    gcs: gcs.length,
    failures: r.signInFailures + r.non2xx,
  };
}

const cell = (xs, digits) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

const targets = [];
try {
  const redis = await startRedis();
  const keysDir = keyDir('RS256');
  const add = (key, t) => {
    t.key = key;
    t.gc = gcLines(t.child);
    targets.push(t);
  };
  add('service', await startService({ keysDir, redisUrl: redis.url, prefix: 'alloc:', nodeArgs: TRACE }));
  add('floor', await startTarget('signin-floor.mjs', [join(keysDir, 'active.pem'), redis.url, 'alloc-floor:'], imageRuntime(TRACE)));
  if (process.env.BENCH_SERVICE_OLD) add('service-old', await startService({ keysDir, redisUrl: redis.url, prefix: 'alloc-old:', nodeArgs: TRACE, main: process.env.BENCH_SERVICE_OLD }));
  for (const t of targets) {
    await signInOnce(t.url);
    log(`warm-up ${t.key}`);
    await loadRun(t, { kind: 'signin', url: t.url, connections: 16 }, 2);
  }
  const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let i = 0; i < pairs; i++) {
    for (const t of targets) {
      const m = await measure(t);
      runs[t.key].push(m);
      log(`run ${i + 1}/${pairs} ${t.key}: ${m.rps.toFixed(0)}/s, ${m.allocatedKB.toFixed(1)} KB allocated, ${m.promotedB.toFixed(0)} B promoted, GC pause ${m.pauseUs.toFixed(1)} µs a sign-in (${m.gcs} GCs${m.failures ? `, ${m.failures} failures!` : ''})`);
    }
  }
  const node = spawnSync(process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const out = [
    `## Allocation per sign-in (Node ${node}, --trace-gc-nvp, ${pairs} runs of ${seconds} s, 16 connections)`,
    '',
    '| contender | KB allocated a sign-in | bytes promoted a sign-in | main-thread GC pause µs a sign-in | sign-ins/s |',
    '|---|---|---|---|---|',
    ...targets.map((t) => {
      const r = runs[t.key];
      return `| ${t.key} | ${cell(r.map((m) => m.allocatedKB), 1)} | ${cell(r.map((m) => m.promotedB), 0)} | ${cell(r.map((m) => m.pauseUs), 1)} | ${median(r.map((m) => m.rps)).toFixed(0)} |`;
    }),
    '',
  ];
  process.stdout.write(out.join('\n'));
} finally {
  await stopWorkers();
  await stopAll();
}
