#!/usr/bin/env node
// `npm run bench:pairs`: the paired protocol with wrk (issue 16, section 4). Servers on core 0,
// wrk (one thread, its CPU reported) and Redis on core 1; contenders alternated A B A B for
// `--pairs` pairs (default 5) of `--seconds` (default 3); every figure is the median of the paired
// ratios with min-max. Groups (--only=jwks,downstream; also signin, memory):
//  - jwks: GET /jwks, the service against a bare node:http server writing the same bytes, at 50
//    and 200 connections (p50/p99 and throughput); the service's RSS at 200 connections.
//  - downstream: GET /api/data guarded by this library (cache on / off), express-jwt + jwks-rsa,
//    Auth0's express-oauth2-jwt-bearer and jose jwtVerify + createRemoteJWKSet, each against the
//    same route unprotected: the guard's server CPU per request (µs) over the open route's.
//  - signin (--only=signin; BENCH_SERVICE_OLD=<another build's bundle> adds that build): POST
//    /challenge + /sign-in (RS256 token, Ed25519 wallet, 16 connections, autocannon: wrk cannot
//    sign challenges; its CPU is reported) of this build, of the floor (bench/targets/signin-floor.mjs:
//    node:http + ioredis + node:crypto doing the same Redis work) and of the other build, against
//    the crypto bound of one sign-in (node:crypto, server core), and beside it the bound with the
//    wallet key's import per sign-in ("bound+import").
// Writes bench/PAIRS.md (not with --quick or --no-write).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparePaired, loadRun } from './lib/measure.mjs';
import { rssSampler, SERVER_CORE, startWorker, stopChild, stopWorkers } from './lib/proc.mjs';
import { imageRuntime, IMAGE_NODE_FLAGS, keyDir, ROOT, signInOnce, startRedis, startService, startTarget, stopAll, WORK } from './lib/services.mjs';
import { hasWrk, wrkRun } from './lib/wrk.mjs';

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = argv.includes('--quick');
const only = (arg('only') ?? 'jwks,downstream').split(',');
const timing = { warmSeconds: quick ? 1 : 2, runSeconds: Number(arg('seconds') ?? (quick ? 1 : 3)), pairs: Number(arg('pairs') ?? (quick ? 2 : 5)) };
const JWKS_PATH = '/api/v1/auth/jwks';
const log = (msg) => process.stderr.write(`${msg}\n`);
const loadavg = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' / ');
// wrk when installed (.ci/setup.d/15-wrk.sh), else autocannon (flagged in the report).
const run = (t, cfg, s) => (hasWrk ? wrkRun(t, cfg, s) : loadRun(t, { kind: 'get', ...cfg }, s));

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void Promise.allSettled([stopWorkers(), stopAll()]).then(() => process.exit(130)));

const results = { startedAt: new Date().toISOString(), loadStart: loadavg(), generator: hasWrk ? 'wrk (1 thread)' : 'autocannon', timing, node: process.version };
try {
  const redis = await startRedis();
  const main = await startService({ keysDir: keyDir('RS256'), redisUrl: redis.url, prefix: 'pairs:' });
  if (only.includes('jwks')) results.jwks = await jwks(main);
  if (only.includes('downstream')) results.downstream = await downstream(main);
  if (only.includes('signin')) results.signin = await signin(main, redis);
  if (only.includes('memory')) results.memory = await memory(redis);
} finally {
  await stopWorkers();
  await stopAll();
}
results.loadEnd = loadavg();
const text = report(results);
process.stdout.write(text);
if (!quick && !argv.includes('--no-write')) writeFileSync(join(ROOT, 'bench/PAIRS.md'), text);

async function jwks(main) {
  const res = await fetch(main.url + JWKS_PATH);
  const file = join(WORK, 'jwks.json');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const bare = await startTarget('jwks-baselines.mjs', ['bare', file, res.headers.get('etag'), res.headers.get('cache-control')]);
  const out = {};
  for (const connections of [50, 200]) {
    log(`jwks, ${connections} connections`);
    const rss = rssSampler(main.pid, 50);
    const entries = [bare, main].map((t, i) => ({ key: i === 0 ? 'bare' : 'service', run: (s) => run(t, { url: t.url + JWKS_PATH, connections }, s) }));
    out[connections] = await comparePaired(entries, { ...timing, log });
    out[connections].serviceRssMax = rss.stop();
  }
  await stopChild(bare.child);
  return out;
}

async function signin(main, redis) {
  log('sign-in');
  const keysDir = join(WORK, 'keys-RS256');
  const old = process.env.BENCH_SERVICE_OLD;
  const other = old ? await startServiceFrom(old, { keysDir, redisUrl: redis.url, prefix: 'pairs-old:' }) : undefined;
  for (const t of [main, other].filter(Boolean)) await signInOnce(t.url);
  const bound = startWorker(SERVER_CORE, join(ROOT, 'bench/targets/crypto-bound.mjs'));
  // The floor: bare node:http + ioredis + node:crypto doing the service's Redis work (signin-floor.mjs).
  const floor = await startTarget('signin-floor.mjs', [join(keysDir, 'active.pem'), redis.url, 'pairs-floor:'], imageRuntime());
  await signInOnce(floor.url);
  const entries = [
    { key: 'bound', run: (s) => bound.request({ pem: join(keysDir, 'active.pem'), ms: Math.min(s, 2) * 1000 }) },
    // The bound with the wallet key's import from the request's bytes (crypto-bound.mjs, `importKey`).
    { key: 'bound+import', run: (s) => bound.request({ pem: join(keysDir, 'active.pem'), ms: Math.min(s, 2) * 1000, importKey: true }) },
    { key: 'floor', run: (s) => loadRun(floor, { kind: 'signin', url: floor.url, connections: 16 }, s) },
    { key: 'service', run: (s) => loadRun(main, { kind: 'signin', url: main.url, connections: 16 }, s) },
  ];
  if (other) entries.push({ key: 'service-old', run: (s) => loadRun(other, { kind: 'signin', url: other.url, connections: 16 }, s) });
  const out = await comparePaired(entries, { ...timing, log });
  await bound.stop();
  await stopChild(floor.child);
  if (other) await stopChild(other.child, 10_000);
  return out;
}

// Memory under connections (issue 16, section 3): sign-ins at 16 and 200 connections on the image's
// runtime (BENCH_NODE24 / NODE24_BIN, else this Node), the service as the image runs it (its V8
// flags, IMAGE_NODE_FLAGS, and environment, IMAGE_ENV) against the same build with the defaults; RSS max of each
// run and the paired throughput ratio (what the flags cost).
async function memory(redis) {
  const nodeBin = process.env.BENCH_NODE24 ?? process.env.NODE24_BIN;
  const keysDir = join(WORK, 'keys-RS256');
  const shipped = await startService({ keysDir, redisUrl: redis.url, prefix: 'pairs-mem1:', nodeBin });
  const plain = await startService({ keysDir, redisUrl: redis.url, prefix: 'pairs-mem2:', nodeBin, imageFlags: false });
  const version = spawnSync(nodeBin ?? process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const out = { node: version, flags: IMAGE_NODE_FLAGS.join(' ') };
  for (const connections of [16, 200]) {
    log(`memory, ${connections} connections (${version})`);
    const entries = [plain, shipped].map((t, i) => ({
      key: i === 0 ? 'default' : 'image',
      run: async (s) => {
        const rss = rssSampler(t.pid, 50);
        const r = await loadRun(t, { kind: 'signin', url: t.url, connections }, s);
        r.rssMax = rss.stop();
        return r;
      },
    }));
    out[connections] = await comparePaired(entries, { ...timing, log });
  }
  await stopChild(shipped.child);
  await stopChild(plain.child);
  return out;
}

async function startServiceFrom(main, options) {
  const saved = process.env.BENCH_SERVICE_MAIN;
  process.env.BENCH_SERVICE_MAIN = main;
  try {
    return await startService(options);
  } finally {
    if (saved === undefined) delete process.env.BENCH_SERVICE_MAIN;
    else process.env.BENCH_SERVICE_MAIN = saved;
  }
}

async function downstream(main) {
  log('downstream');
  const token = await signInOnce(main.url);
  const modes = ['open', 'pico', 'pico-cold', 'jose', 'auth0', 'express-jwt'];
  const targets = {};
  for (const mode of modes) targets[mode] = await startTarget('downstream.mjs', [mode, main.url + JWKS_PATH, main.url, 'bench']);
  for (const mode of modes) {
    const ok = await fetch(targets[mode].url + '/api/data', { headers: { authorization: `Bearer ${token}` } });
    if (ok.status !== 200) throw new Error(`downstream ${mode}: ${ok.status} ${await ok.text()}`);
    if (mode === 'open') continue;
    const bad = await fetch(targets[mode].url + '/api/data', { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    if (bad.status !== 401) throw new Error(`downstream ${mode}: a forged token got ${bad.status}`);
  }
  const entries = modes.map((key) => ({ key, run: (s) => run(targets[key], { url: targets[key].url + '/api/data', headers: { authorization: `Bearer ${token}` }, connections: 50 }, s) }));
  const out = await comparePaired(entries, { ...timing, log });
  for (const t of Object.values(targets)) await stopChild(t.child);
  return out;
}

function report(r) {
  const f = (x, d = 2) => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(d));
  const range = (s, d = 2) => (s ? `${f(s.median, d)} (${f(s.min, d)} to ${f(s.max, d)})` : '');
  const lines = [
    '# Paired runs (wrk)',
    '',
    'Generated by `npm run bench:pairs` (bench/pairs.mjs); method in [docs/bench.md](../docs/bench.md#paired-runs-with-wrk).',
    '',
    `- Date: ${r.startedAt}; Node ${r.node}; load generator ${r.generator} on core 1 with Redis; servers on core 0`,
    `- Load average at start ${r.loadStart}, at end ${r.loadEnd} (2 cores shared with other work: read the paired ratios, not the absolute figures)`,
    `- Protocol: warm-up ${r.timing.warmSeconds} s each, then ${r.timing.pairs} pairs of ${r.timing.runSeconds} s runs (baseline, then each contender, contenders rotated); ratio = contender ÷ baseline within a pair; median (min to max) over the pairs.`,
    '',
  ];
  if (r.jwks) {
    lines.push('## JWKS: service ÷ bare node:http', '', '| connections | service ÷ bare, paired | service req/s | bare req/s | service p50 / p99 ms | bare p50 / p99 ms | wrk CPU (max) | service server CPU | service RSS max |', '|---|---|---|---|---|---|---|---|---|');
    for (const [c, g] of Object.entries(r.jwks)) {
      const svc = g.service;
      const bare = g.bare;
      const cpu = (x) => `${(Math.max(...x.runs.map((y) => y.serverCpu ?? 0)) * 100).toFixed(0)}%`;
      lines.push(`| ${c} | ${range(svc.ratio)} | ${f(svc.median, 0)} | ${f(bare.median, 0)} | ${f(svc.latencyP50)} / ${f(svc.latencyP99)} | ${f(bare.latencyP50)} / ${f(bare.latencyP99)} | ${(Math.max(svc.clientCpuMax, bare.clientCpuMax) * 100).toFixed(0)}% | ${cpu(svc)} | ${(g.serviceRssMax / 2 ** 20).toFixed(1)} MB |`);
    }
    lines.push('');
  }
  if (r.downstream) {
    const d = r.downstream;
    lines.push('## Downstream guard cost (GET /api/data, 50 connections, baseline: the route unprotected)', '', '| guard | ÷ open (throughput), paired | extra server CPU per request (µs), paired | ÷ jose (extra µs, medians) | req/s | p50 / p99 ms | wrk CPU (max) |', '|---|---|---|---|---|---|---|');
    const jose = d.jose?.extraUs?.median;
    for (const [k, g] of Object.entries(d)) {
      lines.push(`| ${k} | ${k === 'open' ? '1' : range(g.ratio)} | ${k === 'open' ? `${f(median(g.runs.map((x) => x.cpuUsPerRequest)), 0)} µs per request in all` : range(g.extraUs, 0)} | ${k === 'open' || !jose ? '' : f(g.extraUs.median / jose)} | ${f(g.median, 0)} | ${f(g.latencyP50)} / ${f(g.latencyP99)} | ${(g.clientCpuMax * 100).toFixed(0)}% |`);
    }
    lines.push('');
  }
  if (r.signin) {
    const g = r.signin;
    lines.push('## Sign-in (RS256 token, Ed25519 wallet, 16 connections, autocannon) against the crypto bound and the floor', '', '| contender | ÷ crypto bound, paired | per CPU-second, paired | sign-ins/s | p50 / p99 ms | server CPU µs per sign-in | client CPU (max) |', '|---|---|---|---|---|---|---|');
    for (const [k, x] of Object.entries(g)) {
      lines.push(`| ${k} | ${k === 'bound' ? '1' : range(x.ratio)} | ${k === 'bound' ? '1' : range(x.ratioPerCpu)} | ${f(x.median, 0)} | ${f(x.latencyP50)} / ${f(x.latencyP99)} | ${f(median(x.runs.map((y) => y.cpuUsPerRequest)), 0)} | ${k === 'bound' ? '' : `${(x.clientCpuMax * 100).toFixed(0)}%`} |`);
    }
    const sp = (v) => ({ median: median(v), min: Math.min(...v), max: Math.max(...v) });
    const paired = (a, b) => [sp(a.runs.map((y, i) => y.rps / b.runs[i].rps)), sp(a.runs.map((y, i) => y.rps / y.serverCpu / (b.runs[i].rps / b.runs[i].serverCpu)))];
    if (g.floor) {
      const [t, c] = paired(g.service, g.floor);
      lines.push('', `**Service ÷ floor** (same Redis work, bench/targets/signin-floor.mjs), paired: ${range(t)} by throughput, ${range(c)} per CPU-second. Floor ÷ crypto bound: ${range(g.floor.ratio)}.`);
    }
    if (g['bound+import']) {
      const [t, c] = paired(g.service, g['bound+import']);
      lines.push('', `Service ÷ the crypto bound with the wallet key's import (createPublicKey per sign-in, "bound+import"), paired: ${range(t)} by throughput, ${range(c)} per CPU-second.`);
    }
    if (g['service-old']) {
      const [t, c] = paired(g.service, g['service-old']);
      lines.push('', `This build ÷ the other build (BENCH_SERVICE_OLD), paired: ${range(t)} by throughput, ${range(c)} per CPU-second.`);
    }
    lines.push('');
  }
  if (r.memory) {
    const m = r.memory;
    lines.push(`## Memory under connections (sign-ins, Node ${m.node}): the image's V8 flags (\`${m.flags}\`) and environment ÷ the defaults`, '', '| connections | RSS max, image flags | RSS max, defaults | image ÷ defaults (throughput), paired | per CPU-second, paired | sign-ins/s image / defaults | p50 / p99 ms image | client CPU (max) |', '|---|---|---|---|---|---|---|---|');
    for (const c of [16, 200]) {
      const g = m[c];
      const mb = (x) => `${(Math.max(...x.runs.map((y) => y.rssMax)) / 2 ** 20).toFixed(1)} MB`;
      lines.push(`| ${c} | ${mb(g.image)} | ${mb(g.default)} | ${range(g.image.ratio)} | ${range(g.image.ratioPerCpu)} | ${f(g.image.median, 0)} / ${f(g.default.median, 0)} | ${f(g.image.latencyP50)} / ${f(g.image.latencyP99)} | ${(Math.max(g.image.clientCpuMax, g.default.clientCpuMax) * 100).toFixed(0)}% |`);
    }
    lines.push('');
  }
  lines.push('## Every run', '');
  const runsOf = (title, g) => {
    lines.push(`### ${title}`, '', '| contender | req/s per pair | server CPU µs/request per pair | wrk CPU per pair |', '|---|---|---|---|');
    for (const [k, x] of Object.entries(g)) {
      if (!x.runs) continue;
      lines.push(`| ${k} | ${x.runs.map((y) => y.rps.toFixed(0)).join(', ')} | ${x.runs.map((y) => f(y.cpuUsPerRequest, 0)).join(', ')} | ${x.runs.map((y) => `${((y.clientCpu ?? 0) * 100).toFixed(0)}%`).join(', ')} |`);
    }
    lines.push('');
  };
  if (r.jwks) for (const [c, g] of Object.entries(r.jwks)) runsOf(`JWKS, ${c} connections`, g);
  if (r.downstream) runsOf('Downstream', r.downstream);
  if (r.signin) runsOf('Sign-in', r.signin);
  if (r.memory) for (const c of [16, 200]) runsOf(`Memory, ${c} connections (RSS max per run: ${['default', 'image'].map((k) => `${k} ${r.memory[c][k].runs.map((y) => (y.rssMax / 2 ** 20).toFixed(0)).join('/')} MB`).join('; ')})`, r.memory[c]);
  return `${lines.join('\n')}\n`;
}

function median(xs) {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : undefined;
}
