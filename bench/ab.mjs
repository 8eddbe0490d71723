#!/usr/bin/env node
// `npm run bench:ab`: two builds of the service side by side, for a change too small for the
// alternated runs of bench/pairs.mjs to resolve on a noisy VM. Both servers run at the same time on
// the server core (the kernel shares it between them), each under its own 16-connection sign-in
// load (a load worker each, on the client core, with Redis); a sample is the ratio of their
// sign-ins per CPU-second over the same 3 s window, so the machine's drift, which moves both alike,
// cancels. First a control: this build against a second process of itself (what the protocol
// reads when there is no difference), then this build against the other one. Each comparison is
// warmed up side by side for 30 s first: a process that has just started reads up to 30% worse
// for its first ~30 s of load against one that has run a minute, so a short warm-up shows a trend
// instead of a ratio. The floor runs with the image's V8 flags and environment, like the service.
// Usage: node bench/ab.mjs [--other=<bundle>|floor] [--samples=9] [--seconds=3] [--warmup=30] [--no-control];
// `--other` defaults to BENCH_SERVICE_OLD. Prints Markdown; writes nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadRunTogether, median } from './lib/measure.mjs';
import { stopWorkers } from './lib/proc.mjs';
import { imageRuntime, keyDir, signInOnce, startRedis, startService, startTarget, stopAll } from './lib/services.mjs';

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const other = arg('other') ?? process.env.BENCH_SERVICE_OLD;
const samples = Number(arg('samples') ?? 9);
const seconds = Number(arg('seconds') ?? 3);
const warmup = Number(arg('warmup') ?? 30);
const log = (msg) => process.stderr.write(`${msg}\n`);
if (!other) {
  log('usage: node bench/ab.mjs --other=<another build\'s dist/bundle/server.mjs>|floor (or BENCH_SERVICE_OLD)');
  process.exit(2);
}
const signin = { kind: 'signin', connections: 16 };
const spread = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
const loadavg = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' / ');

/** `samples` side-by-side runs of a and b; the slots swap every sample (a slot's bias cancels too). */
async function sideBySide(label, a, b) {
  log(`${label}: warm-up, ${warmup} s side by side`);
  await loadRunTogether([a, b], signin, warmup);
  const ratios = [];
  const rates = { a: [], b: [] };
  for (let i = 0; i < samples; i++) {
    const swap = i % 2 === 1;
    const [ra, rb] = swap ? (await loadRunTogether([b, a], signin, seconds)).reverse() : await loadRunTogether([a, b], signin, seconds);
    const failed = ra.signInFailures + ra.non2xx + rb.signInFailures + rb.non2xx;
    ratios.push(ra.perCpu / rb.perCpu);
    rates.a.push(ra.perCpu);
    rates.b.push(rb.perCpu);
    log(`  ${label} ${i + 1}/${samples}: ${ra.perCpu.toFixed(0)} vs ${rb.perCpu.toFixed(0)} sign-ins per CPU-s (${(ra.cpuSeconds / seconds).toFixed(2)} / ${(rb.cpuSeconds / seconds).toFixed(2)} of the core), ratio ${(ra.perCpu / rb.perCpu).toFixed(3)}, client CPU ${(ra.clientCpu * 100).toFixed(0)}% / ${(rb.clientCpu * 100).toFixed(0)}%${failed ? `, ${failed} failures!` : ''}`);
  }
  return { label, ratio: spread(ratios), a: median(rates.a), b: median(rates.b) };
}

const rows = [];
const loadStart = loadavg();
try {
  const redis = await startRedis();
  const keysDir = keyDir('RS256');
  const start = (main, prefix) => startService({ keysDir, redisUrl: redis.url, prefix, main });
  const a = await start(undefined, 'ab-a:');
  const a2 = await start(undefined, 'ab-a2:');
  const b = other === 'floor' ? await startTarget('signin-floor.mjs', [join(keysDir, 'active.pem'), redis.url, 'ab-floor:'], imageRuntime()) : await start(other, 'ab-b:');
  for (const t of [a, a2, b]) await signInOnce(t.url);
  if (!argv.includes('--no-control')) rows.push(await sideBySide('control: this build ÷ itself', a, a2));
  rows.push(await sideBySide(`this build ÷ ${other === 'floor' ? 'the floor' : 'the other build'}`, a, b));
} finally {
  await stopWorkers();
  await stopAll();
}
const node = spawnSync(process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
process.stdout.write(
  [
    `## Side by side (Node ${node}, ${samples} samples of ${seconds} s, 16 connections each, load ${loadStart} → ${loadavg()})`,
    '',
    `Other: \`${other}\`.`,
    '',
    '| comparison | per CPU-second, median (min-max) of the samples | sign-ins per CPU-s, medians |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${r.ratio} | ${r.a.toFixed(0)} / ${r.b.toFixed(0)} |`),
    '',
  ].join('\n'),
);
