#!/usr/bin/env node
// `npm run bench`: JWKS, sign-in, downstream and footprint benchmarks, each figure a ratio against
// a baseline measured in the same run. Server processes on core 0, load generator on core 1.
// Options: --quick (short runs, a smoke test; results not written), --only=jwks,signin,downstream,footprint,siwe
//          --profile (services run with --cpu-prof into bench/profiles/), --no-write
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compare, loadRun, median } from './lib/measure.mjs';
import { CLIENT_CORE, pinned, rssBytes, rssSampler, SERVER_CORE, startWorker, stopChild, stopWorkers } from './lib/proc.mjs';
import { sourceState, writeResults } from './lib/report.mjs';
import { cleanRedis, imageRuntime, keyDir, ROOT, signInOnce, startRedis, startService, startTarget, stopAll, WORK } from './lib/services.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['footprint', 'jwks', 'signin', 'downstream', 'siwe'];
const profile = argv.includes('--profile');
const timing = quick ? { warmSeconds: 1, runSeconds: 1, runs: 3 } : { warmSeconds: 2, runSeconds: 3, runs: 3 };
const JWKS_PATH = '/api/v1/auth/jwks';
const PREFIX = `pico-bench:${process.pid}:`;
const log = (msg) => process.stderr.write(`${msg}\n`);
const profileArgs = (name) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench/profiles')}`, `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`] : []);

// Ctrl-C or a kill must not leave servers, workers or Redis behind.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping every process the bench started`);
    Promise.allSettled([stopWorkers(), stopAll()]).then(() => process.exit(130));
  });
}

const startedAt = new Date();
const results = { timing, pinned, serverCore: SERVER_CORE, clientCore: CLIENT_CORE, ...sourceState() };
let redis;
try {
  redis = await startRedis();
  log(`redis: ${redis.url}${redis.shared ? ' (shared; keys under ' + PREFIX + ')' : ' (own, on the client core)'}`);
  const dirs = { RS256: keyDir('RS256'), ES256: keyDir('ES256'), EdDSA: keyDir('EdDSA') };
  const svcOptions = (alg) => ({ keysDir: dirs[alg], redisUrl: redis.url, prefix: `${PREFIX}${alg}:`, nodeArgs: profileArgs(`service-${alg}`) });

  if (only.includes('siwe')) results.siwe = await siweGroup();
  if (only.includes('footprint')) results.footprint = await footprint(svcOptions('RS256'));
  // The image runs Node 24: with BENCH_NODE24 (or NODE24_BIN, as .ci/setup.d provides) the footprint is measured on it too.
  const node24 = process.env.BENCH_NODE24 ?? process.env.NODE24_BIN;
  if (only.includes('footprint') && node24) results.footprint24 = await footprint(svcOptions('RS256'), node24);

  // One RS256 service serves the JWKS, sign-in and downstream groups; its RSS is tracked throughout.
  // The ES256 and EdDSA services (sign-in only) start alongside: startup is not measured here.
  const [main, es256, eddsa] = await Promise.all([
    startService(svcOptions('RS256')),
    only.includes('signin') ? startService(svcOptions('ES256')) : undefined,
    only.includes('signin') ? startService(svcOptions('EdDSA')) : undefined,
  ]);
  const mainRss = rssSampler(main.pid);
  if (only.includes('jwks')) results.jwks = await jwksGroup(main);
  if (only.includes('signin')) results.signin = await signInGroup({ RS256: main, ES256: es256, EdDSA: eddsa }, svcOptions);
  if (only.includes('downstream')) results.downstream = await downstreamGroup(main);
  if (results.footprint) results.footprint.rssUnderLoad = mainRss.stop();
  await stopChild(main.child, 10_000);
} finally {
  await stopWorkers();
  await stopAll();
  if (redis?.shared) await cleanRedis(redis.url, PREFIX);
}

if (!quick && !argv.includes('--no-write')) {
  const file = writeResults(results, { startedAt, command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}` });
  log(`results written to ${file}`);
} else {
  writeResults(results, { startedAt, command: 'npm run bench -- ' + argv.join(' '), file: join(tmpdir(), 'pico-bench-RESULTS.md'), print: true });
}

/**
 * Sign-in message cost (bench/targets/siwe-parse.mjs, a worker on the server core): the bounds and
 * line parser on the worst accepted message, against the siwe ABNF parser on the same message,
 * alternated A B A B for `pairs` pairs; each ratio is abnf/ours within one pair.
 */
async function siweGroup() {
  log('siwe: message bounds and parse');
  const worker = startWorker(SERVER_CORE, join(ROOT, 'bench/targets/siwe-parse.mjs'));
  const pairs = quick ? 3 : 7;
  const ms = quick ? 100 : 400;
  const runs = { worst: [], abnf: [], typical: [], refused: [] };
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate the order within each pair so neither contender always runs second.
    const order = i % 2 === 0 ? ['worst', 'abnf'] : ['abnf', 'worst'];
    const got = {};
    for (const c of order) got[c] = await worker.request({ contender: c, ms });
    runs.worst.push(got.worst);
    runs.abnf.push(got.abnf);
    ratios.push(got.abnf.usPerOp / got.worst.usPerOp);
    for (const c of ['typical', 'refused']) runs[c].push(await worker.request({ contender: c, ms }));
  }
  await worker.stop();
  const us = (c) => median(runs[c].map((r) => r.usPerOp));
  const out = {
    pairs,
    bytes: runs.worst[0].bytes,
    usPerOp: { worst: us('worst'), abnf: us('abnf'), typical: us('typical'), refused: us('refused') },
    // CPU time per operation: what the figure is with a whole core (the machine may be shared).
    cpuUsPerOp: { worst: median(runs.worst.map((r) => r.cpuUsPerOp)), abnf: median(runs.abnf.map((r) => r.cpuUsPerOp)) },
    worstMaxUs: Math.max(...runs.worst.map((r) => r.usPerOp)),
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    serverCpu: median(runs.worst.map((r) => r.serverCpu)),
  };
  log(`siwe: worst accepted ${out.usPerOp.worst.toFixed(1)} us/op (max ${out.worstMaxUs.toFixed(1)}), abnf ${out.usPerOp.abnf.toFixed(0)} us/op, ratio ${out.ratio.median.toFixed(0)}x (${out.ratio.min.toFixed(0)}-${out.ratio.max.toFixed(0)})`);
  return out;
}

/** Cold start to ready and idle RSS of fresh services, against a bare node:http process. */
async function footprint(options, nodeBin) {
  log(`footprint: cold starts${nodeBin ? ` on ${nodeBin}` : ''}`);
  const jwksFile = join(WORK, 'footprint-jwks.json');
  writeFileSync(jwksFile, '{"keys":[]}');
  const one = async (start) => {
    const t = await start();
    await sleep(1000);
    const rss = rssBytes(t.pid);
    await stopChild(t.child, 10_000);
    return { readyMs: t.readyMs, readyCpuMs: t.readyCpuMs, rss };
  };
  const bare = () => startTarget('jwks-baselines.mjs', ['bare', jwksFile, '"x"', 'no-store'], { nodeBin });
  const service = () => startService({ ...options, nodeArgs: [], nodeBin });
  await one(bare); // node itself in the page cache (npm ci / the build just read the rest)
  const svc = [];
  const base = [];
  for (let i = 0; i < 3; i++) {
    svc.push(await one(service));
    base.push(await one(bare));
  }
  const r = {
    readyMs: median(svc.map((x) => x.readyMs)),
    bareReadyMs: median(base.map((x) => x.readyMs)),
    readyCpuMs: median(svc.map((x) => x.readyCpuMs)),
    bareReadyCpuMs: median(base.map((x) => x.readyCpuMs)),
    rssIdle: median(svc.map((x) => x.rss)),
    bareRssIdle: median(base.map((x) => x.rss)),
    runs: { service: svc, bare: base },
    version: nodeBin ? execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim() : process.version,
  };
  log(`  ready ${r.readyMs.toFixed(0)} ms, ${r.readyCpuMs.toFixed(0)} CPU-ms (bare ${r.bareReadyMs.toFixed(0)} ms, ${r.bareReadyCpuMs.toFixed(0)} CPU-ms), idle RSS ${(r.rssIdle / 2 ** 20).toFixed(1)} MB`);
  return r;
}

/** GET /jwks through the full service vs the same bytes from bare node:http and from Express. */
async function jwksGroup(main) {
  log('jwks');
  const res = await fetch(main.url + JWKS_PATH);
  const body = Buffer.from(await res.arrayBuffer());
  const file = join(WORK, 'jwks.json');
  writeFileSync(file, body);
  const args = [file, res.headers.get('etag'), res.headers.get('cache-control')];
  const targets = {
    bare: await startTarget('jwks-baselines.mjs', ['bare', ...args]),
    express: await startTarget('jwks-baselines.mjs', ['express', ...args]),
    service: main,
  };
  for (const [key, t] of Object.entries(targets)) {
    const got = Buffer.from(await (await fetch(t.url + JWKS_PATH)).arrayBuffer());
    if (key !== 'express' && !got.equals(body)) throw new Error(`jwks: ${key} does not serve the service's bytes`);
  }
  const config = (t) => ({ kind: 'get', url: t.url + JWKS_PATH, connections: 50 });
  const out = await compare(
    Object.entries(targets).map(([key, t]) => ({ key, run: (s) => loadRun(t, config(t), s) })),
    { ...timing, log },
  );
  for (const key of ['bare', 'express']) await stopChild(targets[key].child);
  out.bytes = body.length;
  return out;
}

/** Challenge + sign-in per token algorithm vs the crypto bound of one sign-in on the same core, and vs a bare floor implementation (RS256). */
async function signInGroup(services, svcOptions) {
  log('sign-in');
  for (const svc of Object.values(services)) await signInOnce(svc.url); // proves the path works end to end
  const bound = startWorker(SERVER_CORE, join(ROOT, 'bench/targets/crypto-bound.mjs'));
  const entries = [];
  let floor;
  for (const [alg, svc] of Object.entries(services)) {
    const pem = join(svcOptions(alg).keysDir, 'active.pem');
    entries.push({ key: `bound-${alg}`, run: (s) => bound.request({ pem, ms: Math.min(s, 2) * 1000 }) }); // a tight loop: 2 s is plenty
    entries.push({ key: `service-${alg}`, run: (s) => loadRun(svc, { kind: 'signin', url: svc.url, connections: 16 }, s) });
    if (alg === 'RS256') {
      // The floor: the least any node:http + ioredis + jose implementation does per sign-in.
      floor = await startTarget('signin-floor.mjs', [pem, redis.url, `${PREFIX}floor:`], imageRuntime());
      await signInOnce(floor.url);
      entries.push({ key: 'floor-RS256', run: (s) => loadRun(floor, { kind: 'signin', url: floor.url, connections: 16 }, s) });
    }
  }
  const out = await compare(entries, { ...timing, log });
  await bound.stop();
  await stopChild(floor.child);
  await stopChild(services.ES256.child, 10_000);
  await stopChild(services.EdDSA.child, 10_000);
  return out;
}

/** A downstream route: open, guarded by this library (cached / cold), by express-jwt + jwks-rsa, by plain jose. */
async function downstreamGroup(main) {
  log('downstream');
  const token = await signInOnce(main.url);
  const modes = ['open', 'pico', 'pico-cold', 'express-jwt', 'jose'];
  const started = await Promise.all(modes.map((mode) => startTarget('downstream.mjs', [mode, main.url + JWKS_PATH, main.url, 'bench'], { nodeArgs: profileArgs(`downstream-${mode}`) })));
  const targets = Object.fromEntries(modes.map((m, i) => [m, started[i]]));
  for (const mode of modes) {
    const res = await fetch(targets[mode].url + '/api/data', { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`downstream ${mode}: ${res.status} ${await res.text()}`);
    if (mode !== 'open') {
      const bad = await fetch(targets[mode].url + '/api/data', { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
      if (bad.status !== 401) throw new Error(`downstream ${mode}: a forged token got ${bad.status}`);
    }
  }
  const config = (t) => ({ kind: 'get', url: t.url + '/api/data', headers: { authorization: `Bearer ${token}` }, connections: 50 });
  const out = await compare(
    modes.map((key) => ({ key, run: (s) => loadRun(targets[key], config(targets[key]), s) })),
    { ...timing, log },
  );
  for (const t of Object.values(targets)) await stopChild(t.child);
  return out;
}

