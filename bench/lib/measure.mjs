// Measurement protocol: every contender of a comparison is warmed up, then measured RUNS times,
// interleaved (with a rotating order, so drift of a shared machine hits all alike); the median
// of each is kept, and figures are reported as ratios of medians taken in the same run.
import { join } from 'node:path';
import { CLIENT_CORE, cpuSeconds, startWorker } from './proc.mjs';

const LOAD = join(import.meta.dirname, 'load.mjs');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One load-generator run against `target` (a process whose CPU use is sampled from /proc):
 * returns the load result plus `serverCpu`, the share of its core the server used.
 */
let loadWorker;
export async function loadRun(target, config, seconds) {
  loadWorker ??= startWorker(CLIENT_CORE, LOAD);
  const cpu0 = cpuSeconds(target.pid);
  const main0 = cpuSeconds(target.pid, target.pid);
  const result = await loadWorker.request({ ...config, duration: seconds });
  const cpu1 = cpuSeconds(target.pid);
  const main1 = cpuSeconds(target.pid, target.pid);
  if (cpu0 !== undefined && cpu1 !== undefined) result.serverCpu = (cpu1 - cpu0) / result.duration;
  // The event loop's own share: near 1.0 means JavaScript is the limit, whatever the other threads do.
  if (main0 !== undefined && main1 !== undefined) result.serverMainCpu = (main1 - main0) / result.duration;
  return result;
}

/**
 * Runs of the same load against several targets at once (one load worker each, all on the client
 * core), the targets sharing the server core: every target meets the same machine at the same
 * moment, so the drift of a shared VM (the crypto bound alone varies ±17% from one 3 s run to the
 * next here) cancels within a sample instead of between runs. Returns one result per target with
 * `perCpu`: sign-ins (or requests) per CPU-second of that target over the common window.
 */
const togetherWorkers = [];
export async function loadRunTogether(targets, config, seconds) {
  while (togetherWorkers.length < targets.length) togetherWorkers.push(startWorker(CLIENT_CORE, LOAD));
  const cpu0 = targets.map((t) => cpuSeconds(t.pid));
  const results = await Promise.all(targets.map((t, i) => togetherWorkers[i].request({ ...config, url: t.url, duration: seconds })));
  const cpu1 = targets.map((t) => cpuSeconds(t.pid));
  return results.map((r, i) => ({ ...r, cpuSeconds: cpu1[i] - cpu0[i], perCpu: (r.rps * r.duration) / (cpu1[i] - cpu0[i]) }));
}

/**
 * Runs a comparison. `entries`: [{ key, run(seconds) => Promise<{ rps, ... }> }].
 * Returns { [key]: { median, perCpu, runs: [result...] } }: `perCpu` is the median of throughput
 * per CPU-second of the server, the figure that survives a machine shared with other work.
 */
export async function compare(entries, { warmSeconds, runSeconds, runs, log = () => {} }) {
  for (const e of entries) {
    log(`  warm-up ${e.key}`);
    await e.run(warmSeconds);
  }
  const samples = Object.fromEntries(entries.map((e) => [e.key, []]));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < entries.length; j++) {
      const e = entries[(i + j) % entries.length];
      const r = await e.run(runSeconds);
      samples[e.key].push(r);
      log(`  run ${i + 1}/${runs} ${e.key}: ${r.rps.toFixed(0)}/s${r.non2xx ? ` (${r.non2xx} non-2xx!)` : ''}${r.clientCpu !== undefined ? ` client cpu ${(r.clientCpu * 100).toFixed(0)}%` : ''}${r.serverCpu !== undefined ? ` server cpu ${(r.serverCpu * 100).toFixed(0)}%` : ''}${r.serverMainCpu !== undefined ? ` (main thread ${(r.serverMainCpu * 100).toFixed(0)}%)` : ''}`);
    }
  }
  const perCpu = (runs) => (runs.every((r) => r.serverCpu > 0) ? median(runs.map((r) => r.rps / r.serverCpu)) : undefined);
  return Object.fromEntries(entries.map((e) => [e.key, { median: median(samples[e.key].map((r) => r.rps)), perCpu: perCpu(samples[e.key]), runs: samples[e.key] }]));
}

/**
 * The paired protocol (A B A B ...): after a warm-up of each, `pairs` pairs of runs, each pair the
 * baseline then every contender (contenders rotated from pair to pair). Per pair, each contender's
 * throughput ÷ the baseline's from the same pair; reported as the median of those paired ratios with
 * their min and max (drift of a shared machine cancels within a pair).
 * `entries`: [{ key, run(seconds) }], the first is the baseline. Returns { [key]: { runs, median,
 * ratio: { median, min, max, values } } } plus the per-request CPU cost of each (µs of server CPU).
 */
export async function comparePaired(entries, { warmSeconds, runSeconds, pairs, log = () => {} }) {
  for (const e of entries) {
    log(`  warm-up ${e.key}`);
    await e.run(warmSeconds);
  }
  const [base, ...rest] = entries;
  const samples = Object.fromEntries(entries.map((e) => [e.key, []]));
  for (let i = 0; i < pairs; i++) {
    const order = [base, ...rest.slice(i % rest.length), ...rest.slice(0, i % rest.length)];
    for (const e of order) {
      const r = await e.run(runSeconds);
      r.cpuUsPerRequest = r.serverCpu !== undefined && r.rps > 0 ? (r.serverCpu / r.rps) * 1e6 : undefined;
      samples[e.key].push(r);
      log(`  pair ${i + 1}/${pairs} ${e.key}: ${r.rps.toFixed(0)}/s p50 ${r.latencyP50?.toFixed(2)} p99 ${r.latencyP99?.toFixed(2)} ms${r.non2xx ? ` (${r.non2xx} non-2xx!)` : ''} client cpu ${((r.clientCpu ?? 0) * 100).toFixed(0)}% server cpu ${((r.serverCpu ?? 0) * 100).toFixed(0)}%${r.cpuUsPerRequest ? ` ${r.cpuUsPerRequest.toFixed(0)} µs/req` : ''}`);
    }
  }
  const spread = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), values });
  const out = {};
  for (const e of entries) {
    const runs = samples[e.key];
    out[e.key] = {
      runs,
      median: median(runs.map((r) => r.rps)),
      latencyP50: median(runs.map((r) => r.latencyP50 ?? NaN)),
      latencyP99: median(runs.map((r) => r.latencyP99 ?? NaN)),
      clientCpuMax: Math.max(...runs.map((r) => r.clientCpu ?? 0)),
      ratio: spread(runs.map((r, i) => r.rps / samples[base.key][i].rps)),
      // The same per CPU-second of each process (what the ratio is when each gets a whole core).
      ratioPerCpu: runs.every((r, i) => r.serverCpu > 0 && samples[base.key][i].serverCpu > 0)
        ? spread(runs.map((r, i) => r.rps / r.serverCpu / (samples[base.key][i].rps / samples[base.key][i].serverCpu)))
        : undefined,
      // Extra server CPU per request over the baseline's, paired (µs): what a guard costs.
      extraUs: runs.every((r) => r.cpuUsPerRequest !== undefined) ? spread(runs.map((r, i) => r.cpuUsPerRequest - samples[base.key][i].cpuUsPerRequest)) : undefined,
    };
  }
  return out;
}
