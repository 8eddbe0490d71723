#!/usr/bin/env node
// `npm run bench:revocation`: the revocation list at 1k, 100k and 1M revoked jtis (issue 16).
// For each size, on a Redis of the bench's own:
//  1. the longest single Redis command (SLOWLOG, threshold 0) during one full paged read of the
//     list through replica A, and the read's wall time;
//  2. the downstream library's first load from replica A (bench/targets/revocation-client.mjs, on
//     the client core): time to ready, CPU time, heap and typed-array memory it then holds;
//  3. sign-in latency on replica A with and without 3 pollers reading the full list again and
//     again through replica B (both replicas share the Redis), alternated A B A B for `pairs` pairs;
//     the median of the paired ratios (with pollers ÷ without) with min-max, and the longest Redis
//     command seen during the runs with pollers.
// Placement on 2 cores: replica A (sign-ins) on core 0; Redis and the sign-in probe on core 1;
// replica B and the pollers on core 1 at nice 19, so that what reaches replica A's sign-ins is
// Redis's work for the pollers, not a CPU fight on this 2-core machine (see docs/bench.md).
// Redis runs at SCHED_FIFO priority 1 when the bench is root (SLOWLOG is wall time: see below);
// how long it still waited on its run queue is reported per phase.
// Options: --quick (1k and 20k, 2 pairs of 1 s), --sizes=1000,100000 --pairs=N --seconds=N, --no-write,
// --redis-sched=fifo|nice|normal (default fifo as root, else normal; nice: -10, the earlier placement),
// --probe-sched=normal|fifo: the sign-in probe at normal priority (default), or at SCHED_FIFO
// priority 1 under Redis's 2 (root; see below),
// --client-ab=<path to another build's client/revocation.js>: the library's load alternated A (that
// build) B (this one) for `pairs` pairs against the same service, reported as paired ratios
// (--client-ab-label=<text>: how the report names A, e.g. its commit),
// --no-signin: skip the sign-in pairs (step 3),
// --prof=<dir>: CPU profiles (node --cpu-prof) of replica A and of the library's load (step 2) into <dir>,
// read with `node bench/profile-top.mjs <file>`
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { positionOf } from '../dist/server/stores/revocation-order.js';
import { median } from './lib/measure.mjs';
import { captureOutput, CLIENT_CORE, cpuSeconds, schedWait, SERVER_CORE, spawnNode, stopChild } from './lib/proc.mjs';
import { keyDir, ROOT, startRedis, startService, stopAll } from './lib/services.mjs';

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = argv.includes('--quick');
const sizes = (arg('sizes') ?? (quick ? '1000,20000' : '1000,100000,1000000')).split(',').map(Number);
const pairs = Number(arg('pairs') ?? (quick ? 2 : 5));
const seconds = Number(arg('seconds') ?? (quick ? 1 : 3));
const clientAB = arg('client-ab');
const serviceAB = arg('service-ab');
// How the report names build A (its path is the machine's, not the repository's).
const clientABLabel = arg('client-ab-label') ?? 'another build, given by --client-ab / --service-ab';
const signin = !argv.includes('--no-signin');
const profDir = arg('prof');
const profArgs = (name) => (profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : []);
const FLEET_SECRET = 'bench-fleet-secret-0123456789';
const log = (msg) => process.stderr.write(`${msg}\n`);
const loadavg = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' / ');

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stopAll().then(() => process.exit(130)));

let redisPid;
/** Redis's run-queue wait and involuntary switches since `from` (undefined with another's Redis). */
const redisWait = (from) => {
  const now = redisPid ? schedWait(redisPid) : undefined;
  return from && now ? { waitMs: now.waitMs - from.waitMs, involuntary: now.involuntary - from.involuntary } : now;
};
const results = { sizes: [], startedAt: new Date().toISOString(), pairs, seconds, node: process.version, loadStart: loadavg() };
try {
  // Redis above the bench's own processes on its core when the bench may raise it (root): SLOWLOG
  // is wall time, so a Redis switched out mid-command for the library, the probe or the pollers
  // (or anything else on the machine) reports that wait as the command's cost. In a deployment
  // Redis has CPU of its own. SCHED_FIFO: no normal process preempts it (nice -10 only weighs it).
  const canRaise = process.getuid?.() === 0 && !process.env.BENCH_REDIS_URL;
  results.redisSched = arg('redis-sched') ?? (canRaise ? 'fifo' : 'normal');
  if (results.redisSched !== 'normal' && !canRaise) throw new Error(`--redis-sched=${results.redisSched} needs root and the bench's own Redis`);
  // The sign-in probe shares core 1 with replica B and the pollers (nice 19), which can still delay
  // its wake-ups (the kernel lets a running task finish its slice first): --probe-sched=fifo puts
  // it at SCHED_FIFO 1, under Redis (2), so that only Redis's work for the pollers could reach it.
  // Not the default: at 1k, 7 pairs each, alternated normal/fifo, 2026-12-01 04:05 UTC, the p50
  // ratios were 1.13 / 0.96 / 1.03 / 1.09: no difference a run of pairs resolves here.
  const root = process.getuid?.() === 0;
  results.probeSched = arg('probe-sched') ?? 'normal';
  if (results.probeSched !== 'normal' && !root) throw new Error(`--probe-sched=${results.probeSched} needs root`);
  const redis = await startRedis(results.redisSched === 'fifo' ? { fifo: 2 } : results.redisSched === 'nice' ? { nice: -10 } : {});
  redisPid = redis.pid;
  const admin = new Redis(redis.url);
  await admin.config('SET', 'slowlog-max-len', '100000');
  const keys = keyDir('RS256');
  for (const size of sizes) {
    try {
      results.sizes.push(await oneSize(size, redis.url, admin, keys));
    } catch (err) {
      log(`${size}: ${err.message}`);
      results.failed = [...(results.failed ?? []), `${size}: ${err.message}`];
    }
  }
  admin.disconnect();
} finally {
  await stopAll();
}
results.loadEnd = loadavg();
const text = report(results);
process.stdout.write(text);
if (!quick && signin && !argv.includes('--no-write')) {
  writeFileSync(join(ROOT, 'bench/REVOCATION.md'), text);
  log('written to bench/REVOCATION.md');
}

async function oneSize(size, redisUrl, admin, keysDir) {
  const prefix = `rvbench${size}:`;
  log(`${size} revoked jtis: filling Redis`);
  await fill(admin, prefix, size);
  // Two replicas of one deployment: one issuer, so a token from one is valid at the other.
  // A 3 s command timeout instead of 500 ms: on a shared 2-core machine a starved replica can miss
  // 500 ms on one of the ~1100 round trips of a 1M read while Redis itself answers each in < 1 ms
  // (SLOWLOG); the figures measured here are Redis's, which the timeout does not change.
  const env = { REDIS_COMMAND_TIMEOUT_MS: '3000', AUTH_ISSUER: 'http://pico-bench.local', AUTH_FLEET_SECRET: FLEET_SECRET, AUTH_FLEET_ROLES: 'service', AUTH_RATE_LIMIT_FLEET_PER_IP: '0' };
  const a = await startService({ keysDir, redisUrl, prefix, env, core: SERVER_CORE, nodeArgs: profArgs(`service-a-${size}`) });
  const b = await startService({ keysDir, redisUrl, prefix, env, core: CLIENT_CORE, nice: 19 });
  const bearer = await serviceToken(b.url);
  // The full read and the library's load go to replica A (normal priority); the pollers to B.
  const endpointA = `${a.url}/api/v1/auth/revoked-jtis`;
  const endpoint = `${b.url}/api/v1/auth/revoked-jtis`;
  const out = { size, load: loadavg() };

  // 1. One full paged read in each form, alone: the longest command, and how long each read took.
  await slowlogReset(admin);
  let sched = redisWait();
  for (const form of ['json', 'packed']) {
    const t = performance.now();
    const read = await fullRead(endpointA, bearer, form === 'packed').catch(async (err) => {
      log(`  full read failed: ${err.message}; slowest commands: ${JSON.stringify((await admin.slowlog('GET', 5)).map((e) => [e[2], String(e[3].slice(0, 4).join(' ')).slice(0, 120)]))}`);
      throw err;
    });
    out[form === 'json' ? 'fullRead' : 'packedRead'] = { ms: performance.now() - t, ...read };
    if (read.items !== size) throw new Error(`full read (${form}): ${read.items} items, expected ${size}`);
    log(`  full read (${form}): ${read.items} items in ${read.pages} pages, ${(read.bytes / 2 ** 20).toFixed(1)} MB, ${(performance.now() - t).toFixed(0)} ms`);
  }
  out.readSched = redisWait(sched);
  out.readSlowest = await slowest(admin);
  out.readStats = await commandStats(admin);
  out.readRerun = await rerunSlowest(admin, out.readSlowest);
  if (out.readRerun) log(`  that command alone, ${out.readRerun.n} times: median ${(out.readRerun.p50 / 1000).toFixed(2)} ms, longest ${(out.readRerun.max / 1000).toFixed(2)} ms`);
  log(`  longest command over both reads: ${fmtCmd(out.readSlowest)}`);

  // 2. The library's first load (its own process, on the client core; replica A serves it).
  sched = redisWait();
  const client = await runJson(CLIENT_CORE, 'revocation-client.mjs', [endpointA, bearer], ['--expose-gc', ...profArgs(`library-${size}`)]);
  out.client = client;
  out.clientSched = redisWait(sched);
  log(`  library: ready in ${client.readyMs.toFixed(0)} ms (${client.cpuMs.toFixed(0)} CPU-ms), heap +${mb(client.heapUsedDelta)} MB, typed arrays +${mb(client.arrayBuffersDelta)} MB, ${client.size} jtis`);
  if (client.size !== size) throw new Error(`the library holds ${client.size} jtis, expected ${size}`);
  if (clientAB || serviceAB) {
    const other = serviceAB ? await startService({ keysDir, redisUrl, prefix, env, core: SERVER_CORE, main: serviceAB }) : undefined;
    out.clientAB = await clientPairs(other ? { url: `${other.url}/api/v1/auth/revoked-jtis`, pid: other.pid } : { url: endpointA, pid: a.pid }, { url: endpointA, pid: a.pid }, bearer, size);
    if (other) await stopChild(other.child, 10_000);
  }
  if (!signin) {
    await stopChild(a.child, 10_000);
    await stopChild(b.child, 10_000);
    for (const k of ['data', 'exp', 'pos', 'ver']) await admin.unlink(`${prefix}rv:{rv}:${k}`);
    return out;
  }

  // 3. Sign-in latency on replica A, without and with 3 pollers on replica B, paired.
  const probe = (secs) => runJson(CLIENT_CORE, 'signin-probe.mjs', [a.url, secs, '2'], [], undefined, results.probeSched === 'fifo' ? { fifo: 1 } : {});
  await probe('1'); // warm-up
  const runs = [];
  await slowlogReset(admin);
  sched = redisWait();
  for (let i = 0; i < pairs; i++) {
    const without = await probe(String(seconds));
    const pollers = captureOutput(spawnNode(CLIENT_CORE, join(ROOT, 'bench/targets/revocation-pollers.mjs'), [endpoint, bearer, '3'], { nice: 19 }));
    await firstLine(pollers);
    const withPollers = await probe(String(seconds));
    pollers.kill('SIGTERM');
    const polled = JSON.parse(await firstLine(pollers));
    await stopChild(pollers);
    runs.push({ without, with: withPollers, polled });
    log(`  pair ${i + 1}: p50 ${without.p50.toFixed(1)} -> ${withPollers.p50.toFixed(1)} ms, p99 ${without.p99.toFixed(1)} -> ${withPollers.p99.toFixed(1)} ms; pollers read ${polled.pages} pages (${polled.fullFetches} full lists, ${polled.errors} errors)`);
  }
  out.runs = runs;
  out.pollSched = redisWait(sched);
  out.pollSlowest = await slowest(admin);
  const ratios = (k) => runs.map((r) => r.with[k] / r.without[k]);
  out.p50Ratio = summary(ratios('p50'));
  out.p99Ratio = summary(ratios('p99'));
  out.meanRatio = summary(ratios('mean'));
  out.commandstats = await commandStats(admin);
  await stopChild(a.child, 10_000);
  await stopChild(b.child, 10_000);
  for (const k of ['data', 'exp', 'pos', 'ver']) await admin.unlink(`${prefix}rv:{rv}:${k}`);
  return out;
}

/**
 * The library's load, A (another build's library and/or through another build's replica: --client-ab,
 * --service-ab) and B (this build's through replica A) alternated, `pairs` times; the serving
 * replica's CPU per load is read from /proc around each.
 */
async function clientPairs(serviceA, serviceB, bearer, size) {
  const runs = [];
  const load = async (service, env) => {
    const cpu0 = cpuSeconds(service.pid);
    const run = await runJson(CLIENT_CORE, 'revocation-client.mjs', [service.url, bearer], ['--expose-gc'], env);
    run.serviceCpuMs = (cpuSeconds(service.pid) - cpu0) * 1000;
    if (run.size !== size) throw new Error(`the library holds ${run.size} jtis, expected ${size}`);
    return run;
  };
  for (let i = 0; i < pairs; i++) {
    const a = await load(serviceA, clientAB ? { ...process.env, BENCH_REVOCATION_CLIENT: clientAB } : undefined);
    const b = await load(serviceB);
    runs.push({ a, b });
    log(`  A/B pair ${i + 1}: ready ${a.readyMs.toFixed(0)} / ${b.readyMs.toFixed(0)} ms, library CPU ${a.cpuMs.toFixed(0)} / ${b.cpuMs.toFixed(0)} ms, service CPU ${a.serviceCpuMs.toFixed(0)} / ${b.serviceCpuMs.toFixed(0)} ms`);
  }
  const ratios = (k) => summary(runs.map((r) => r.b[k] / r.a[k]));
  const parts = [clientAB ? 'library' : undefined, serviceAB ? 'service' : undefined].filter(Boolean).join(' and ');
  return { label: clientABLabel, parts, runs, ready: ratios('readyMs'), cpu: ratios('cpuMs'), serviceCpu: ratios('serviceCpuMs') };
}

/** Writes `size` revocation records in the store's layout (src/server/stores/redis/revocations.ts). */
async function fill(admin, prefix, size) {
  const base = `${prefix}rv:{rv}:`;
  const now = Math.floor(Date.now() / 1000);
  const BATCH = 1000;
  for (let i = 0; i < size; i += BATCH * 20) {
    const pipe = admin.pipeline();
    for (let j = i; j < Math.min(size, i + BATCH * 20); j += BATCH) {
      const hash = [];
      const exp = [];
      const pos = [];
      for (let k = j; k < Math.min(size, j + BATCH); k++) {
        const jti = crypto.randomUUID();
        const r = { jti, revokedAt: now - 3600 + Math.floor((k * 3000) / size), exp: now + 3600 };
        hash.push(jti, JSON.stringify([jti, r.revokedAt, r.exp, null, 'bench']));
        exp.push(r.exp, jti);
        pos.push(0, positionOf(r));
      }
      pipe.hset(`${base}data`, ...hash);
      pipe.zadd(`${base}exp`, ...exp);
      pipe.zadd(`${base}pos`, ...pos);
    }
    await pipe.exec();
  }
}

async function serviceToken(url) {
  const res = await fetch(`${url}/api/v1/auth/fleet/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-fleet-secret': FLEET_SECRET },
    body: JSON.stringify({ session_id: 'bench', agent_id: 'bench', role: 'service', ttl: 3600 }),
  });
  if (res.status !== 200) throw new Error(`fleet session: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

/** Every page of the list, in plain JSON (what an older client reads) or packed (the library's form). */
async function fullRead(endpoint, bearer, packed) {
  let cursor = null;
  let items = 0;
  let pages = 0;
  let bytes = 0;
  const accept = packed ? 'application/vnd.pico-auth.revoked-jtis.packed+json' : 'application/json';
  do {
    const url = new URL(endpoint);
    url.searchParams.set('limit', '10000');
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept } });
    if (res.status !== 200) throw new Error(`revoked-jtis: ${res.status} ${await res.text()}`);
    const text = await res.text();
    bytes += text.length;
    const body = JSON.parse(text);
    items += body.items.length + (packed ? Buffer.from(body.packed, 'base64').length / 24 : 0);
    pages++;
    cursor = body.next_cursor;
  } while (cursor !== null);
  return { items, pages, bytes };
}

async function slowlogReset(admin) {
  await admin.config('SET', 'slowlog-log-slower-than', '0');
  await admin.slowlog('RESET');
  await admin.config('RESETSTAT');
}

/** The longest command in SLOWLOG (µs, command and first arguments), excluding the bench's own admin commands. */
async function slowest(admin) {
  const entries = await admin.slowlog('GET', 100000);
  await admin.config('SET', 'slowlog-log-slower-than', '10000');
  let top = { us: 0, cmd: '', args: [] };
  const all = [];
  for (const [, , us, args] of entries) {
    const name = String(args[0]).toLowerCase();
    if (['slowlog', 'config', 'info', 'unlink'].includes(name)) continue;
    all.push(us);
    if (us > top.us) top = { us, cmd: args.slice(0, 6).join(' ').slice(0, 160), args: args.map(String) };
  }
  all.sort((x, y) => x - y);
  // SLOWLOG times are wall time: on a loaded machine a descheduled Redis inflates the maximum, so the 99.9th percentile is kept too.
  return { ...top, commands: all.length, p999: all[Math.floor(all.length * 0.999)] ?? 0, p50: all[Math.floor(all.length / 2)] ?? 0 };
}

/**
 * The longest command of a phase, run again alone `n` times (a read: it changes nothing): its
 * median and maximum, against the one time SLOWLOG caught it at. Tells the command's cost from a
 * descheduled Redis. Only for the list's reads (ZRANGEBYLEX, ZRANGE) with arguments SLOWLOG kept whole.
 */
async function rerunSlowest(admin, top, n = 200) {
  if (!['zrangebylex', 'zrange'].includes(String(top.args[0]).toLowerCase()) || top.args.some((a) => a.includes('more bytes'))) return undefined;
  await slowlogReset(admin);
  for (let i = 0; i < n; i++) await admin.call(...top.args);
  const again = await slowest(admin);
  return { n, p50: again.p50, max: again.us };
}

async function commandStats(admin) {
  const info = await admin.info('commandstats');
  const out = {};
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/gm)) out[m[1]] = { calls: Number(m[2]), usecPerCall: Number(m[4]) };
  return out;
}

function runJson(core, script, args, nodeArgs = [], env = undefined, sched = {}) {
  const child = captureOutput(spawnNode(core, join(ROOT, 'bench/targets', script), args, { ...(env ? { nodeArgs, env } : { nodeArgs }), ...sched }));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`${script} exited with ${code}:\n${child.stderrTail()}`));
    });
  });
}

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout.off('data', onData);
        resolve(buf.slice(0, nl));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${child.stderrTail()}`)));
  });
}

function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}
function mb(b) {
  return (b / 2 ** 20).toFixed(1);
}
function fmtCmd(s) {
  return `${(s.us / 1000).toFixed(2)} ms (${s.cmd}), 99.9th percentile ${(s.p999 / 1000).toFixed(2)} ms, of ${s.commands} commands`;
}

function report(r) {
  const lines = [
    '# Revocation list at scale',
    '',
    'Generated by `npm run bench:revocation` (bench/revocation.mjs); method in [docs/bench.md](../docs/bench.md#revocation-list).',
    '',
    `- Date: ${r.startedAt}; Node ${r.node}; load average at start ${r.loadStart}, at end ${r.loadEnd}`,
    `- Sign-in latency: ${r.pairs} pairs of ${r.seconds} s runs (without pollers, then with 3 library instances doing full loads), 2 sequential sign-in loops; ratio = with ÷ without per pair.`,
    '- Full reads: pages of 10k, one client, plain JSON (what an older client gets) then packed (what the library negotiates).',
    `- Redis on the client core, ${r.redisSched === 'fifo' ? 'at SCHED_FIFO priority 2 (real-time: no normal process on the core preempts it)' : r.redisSched === 'nice' ? 'at nice -10' : 'at normal priority'}; the sign-in probe ${r.probeSched === 'fifo' ? 'at SCHED_FIFO priority 1 (under Redis, over replica B and the pollers)' : 'at normal priority'}. SLOWLOG is wall time: a Redis switched out mid-command reports the wait as command time; the time Redis waited on its run queue in each phase is in the runs below.`,
    '',
    '| revoked jtis | longest Redis command, full reads (p99.9; that command run alone 200 times: median-max) | full read JSON / packed | longest Redis command, during the paired runs (p99.9) | library ready | library CPU | library heap (+typed arrays) | sign-in p50 with ÷ without (min-max) | p99 ratio (min-max) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const range = (s) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
  for (const s of r.sizes) {
    lines.push(
      `| ${s.size.toLocaleString('en')} | ${(s.readSlowest.us / 1000).toFixed(2)} ms \`${s.readSlowest.cmd.split(' ')[0]}\` (${(s.readSlowest.p999 / 1000).toFixed(2)})${s.readRerun ? `; alone ${(s.readRerun.p50 / 1000).toFixed(2)}-${(s.readRerun.max / 1000).toFixed(2)}` : ''} | ${s.fullRead.ms.toFixed(0)} / ${s.packedRead.ms.toFixed(0)} ms (${mb(s.fullRead.bytes)} / ${mb(s.packedRead.bytes)} MB, ${s.packedRead.pages} pages) | ${s.pollSlowest ? `${(s.pollSlowest.us / 1000).toFixed(2)} ms \`${s.pollSlowest.cmd.split(' ')[0]}\` (${(s.pollSlowest.p999 / 1000).toFixed(2)})` : 'not run'} | ${s.client.readyMs.toFixed(0)} ms | ${s.client.cpuMs.toFixed(0)} ms | +${mb(s.client.heapUsedDelta)} MB (+${mb(s.client.arrayBuffersDelta)} MB) | ${s.p50Ratio ? range(s.p50Ratio) : 'not run'} | ${s.p99Ratio ? range(s.p99Ratio) : 'not run'} |`,
    );
  }
  for (const s of r.sizes.filter((x) => x.clientAB)) {
    const ab = s.clientAB;
    const med = (k, side) => median(ab.runs.map((x) => x[side][k])).toFixed(0);
    lines.push('', `Library load A/B at ${s.size.toLocaleString('en')} (A: ${ab.label}, B: this build, differing in the ${ab.parts}; ${ab.runs.length} pairs, alternated A B): ready ${med('readyMs', 'a')} / ${med('readyMs', 'b')} ms, B ÷ A ${range(ab.ready)}; library CPU ${med('cpuMs', 'a')} / ${med('cpuMs', 'b')} ms, B ÷ A ${range(ab.cpu)}; service CPU ${med('serviceCpuMs', 'a')} / ${med('serviceCpuMs', 'b')} ms, B ÷ A ${range(ab.serviceCpu)}.`);
  }
  if (r.failed) lines.push('', `Failed: ${r.failed.join('; ')}`);
  if (r.sizes.some((x) => x.runs)) lines.push('', '## Runs', '');
  for (const s of r.sizes.filter((x) => x.runs)) {
    lines.push(`### ${s.size.toLocaleString('en')}`, '', `Load average when this size started: ${s.load}.`, '', '| pair | p50 without / with (ms) | p99 without / with (ms) | sign-ins without / with | probe CPU without / with (share of a core) | pollers: pages, full loads, CPU |', '|---|---|---|---|---|---|');
    s.runs.forEach((x, i) => lines.push(`| ${i + 1} | ${x.without.p50.toFixed(1)} / ${x.with.p50.toFixed(1)} | ${x.without.p99.toFixed(1)} / ${x.with.p99.toFixed(1)} | ${x.without.count} / ${x.with.count} | ${x.without.clientCpu.toFixed(2)} / ${x.with.clientCpu.toFixed(2)} | ${x.polled.pages}, ${x.polled.fullFetches}, ${(x.polled.cpu ?? 0).toFixed(2)} |`));
    const cs = Object.entries(s.commandstats).filter(([, v]) => v.calls > 0).sort((x, y) => y[1].usecPerCall - x[1].usecPerCall).slice(0, 6);
    const zr = s.readStats?.zrangebylex;
    const rr = s.readRerun;
    const w = (x) => (x ? `${x.waitMs.toFixed(1)} ms (${x.involuntary} involuntary switches)` : 'not measured');
    lines.push('', `Redis waited on its run queue: ${w(s.readSched)} during the full reads, ${w(s.clientSched)} during the library's load, ${w(s.pollSched)} during the paired runs.`);
    const zi = s.readStats?.zrange;
    if (zr) lines.push('', `Full reads: ${zr.calls} \`ZRANGEBYLEX\` calls, mean ${zr.usecPerCall} µs each${zi ? `, and ${zi.calls} \`ZRANGE\` (by rank, ≤ 1000 each), mean ${zi.usecPerCall} µs` : ''} (INFO commandstats).${rr ? ` The longest of them run again alone ${rr.n} times: median ${(rr.p50 / 1000).toFixed(2)} ms, longest ${(rr.max / 1000).toFixed(2)} ms.` : ''}`);
    lines.push('', `Longest commands: full read ${fmtCmd(s.readSlowest)}; during the paired runs ${fmtCmd(s.pollSlowest)}. Mean µs per call (INFO commandstats, paired runs): ${cs.map(([k, v]) => `${k} ${v.usecPerCall} (${v.calls} calls)`).join(', ')}.`, '');
  }
  return `${lines.join('\n')}\n`;
}
