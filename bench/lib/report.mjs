// Renders the results as bench/RESULTS.md: machine, commit, command, then one table of ratios
// with targets, then each group's details and every run's raw figure.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from './measure.mjs';
import { ROOT } from './services.mjs';

const MB = 2 ** 20;
const fmt = (x, d = 0) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const git = (cmd) => {
  try {
    return execSync(`git ${cmd}`, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};
const cpuModel = () => /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';

/** 'pass' or '**miss**' of a value against a target (`min`: at least, `max`: at most). */
function verdict(value, target, kind = 'min') {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  const ok = kind === 'min' ? value >= target : value <= target;
  return ok ? 'pass' : '**miss**';
}

function summaryRows(r) {
  const rows = [];
  const ratio = (group, a, b, f = 'median') => (group?.[a]?.[f] && group?.[b]?.[f] ? group[a][f] / group[b][f] : undefined);
  /** A throughput comparison: ratio of medians, and ratio of throughput per server CPU-second. */
  const cmp = (area, label, group, a, b, unit, target, min, judged = true) => {
    const v = ratio(group, a, b);
    const c = ratio(group, a, b, 'perCpu');
    let result = '';
    if (target !== undefined) {
      const t = verdict(v, min);
      const tc = verdict(c, min);
      result = judged ? t + (tc !== t ? ` (per CPU-s: ${tc.replaceAll('*', '')})` : '') : '';
    }
    rows.push([area, label, `${fmt(group[a].median)} ÷ ${fmt(group[b].median)} ${unit}`, fmt(v, 2), fmt(c, 2), target ?? 'reported', result]);
  };
  if (r.jwks) {
    cmp('1 JWKS', 'service ÷ bare node:http', r.jwks, 'service', 'bare', 'req/s', '≥ 0.80', 0.8);
    cmp('1 JWKS', 'Express res.json ÷ bare (reference)', r.jwks, 'express', 'bare', 'req/s', undefined);
    // The client is the limit when it used (nearly) its whole core while driving the fastest server.
    const clientCpu = median(r.jwks.bare.runs.map((x) => x.clientCpu ?? 0));
    rows.push(['1 JWKS', 'load generator CPU while driving bare (client headroom)', `${fmt(clientCpu * 100)}% of its core`, '', '', '< 90% (client not the limit)', clientCpu < 0.9 ? 'ok' : '**client-bound**']);
  }
  if (r.signin) {
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      cmp('2 Sign-in', `${alg} token: service ÷ crypto bound`, r.signin, `service-${alg}`, `bound-${alg}`, 'sign-ins/s', alg === 'RS256' ? '≥ 0.70' : 'reported', 0.7, alg === 'RS256');
    }
    if (r.signin['floor-RS256']) {
      cmp('2 Sign-in', 'RS256: bare floor (node:http + ioredis + jose, nothing else) ÷ crypto bound: the most any implementation reaches here', r.signin, 'floor-RS256', 'bound-RS256', 'sign-ins/s', undefined);
      cmp('2 Sign-in', 'RS256: service ÷ bare floor (what the service itself costs)', r.signin, 'service-RS256', 'floor-RS256', 'sign-ins/s', undefined);
    }
  }
  if (r.downstream) {
    const d = r.downstream;
    cmp('3 Downstream', 'protected (cache) ÷ unprotected', d, 'pico', 'open', 'req/s', '≥ 0.90', 0.9);
    cmp('3 Downstream', 'protected (cache) ÷ express-jwt + jwks-rsa', d, 'pico', 'express-jwt', 'req/s', '≥ 2.5', 2.5);
    cmp('3 Downstream', 'unprotected ÷ express-jwt (the most any guard can reach)', d, 'open', 'express-jwt', 'req/s', undefined);
    cmp('3 Downstream', 'cold (no cache) ÷ jose jwtVerify + createRemoteJWKSet', d, 'pico-cold', 'jose', 'req/s', undefined);
    cmp('3 Downstream', 'cold (no cache) ÷ express-jwt + jwks-rsa', d, 'pico-cold', 'express-jwt', 'req/s', undefined);
  }
  if (r.footprint) {
    const f = r.footprint;
    rows.push(['4 Footprint', 'cold start to ready (/readyz 200)', `${fmt(f.readyMs)} ms, ${fmt(f.readyCpuMs)} CPU-ms (bare node:http ${fmt(f.bareReadyMs)} ms, ${fmt(f.bareReadyCpuMs)} CPU-ms)`, `${fmt(f.readyMs / f.bareReadyMs, 2)}× bare`, `${fmt(f.readyCpuMs / f.bareReadyCpuMs, 2)}× bare`, '≤ 500 ms', verdict(f.readyMs, 500, 'max') + (verdict(f.readyCpuMs, 500, 'max') !== verdict(f.readyMs, 500, 'max') ? ` (CPU time: ${verdict(f.readyCpuMs, 500, 'max').replaceAll('*', '')})` : '')]);
    rows.push(['4 Footprint', 'RSS idle', `${fmt(f.rssIdle / MB, 1)} MB (bare ${fmt(f.bareRssIdle / MB, 1)} MB)`, `${fmt(f.rssIdle / f.bareRssIdle, 2)}× bare`, '', '≤ 80 MB', verdict(f.rssIdle / MB, 80, 'max')]);
    if (f.rssUnderLoad !== undefined) rows.push(['4 Footprint', 'RSS under load (max over the whole bench)', `${fmt(f.rssUnderLoad / MB, 1)} MB`, '', '', '≤ 160 MB', verdict(f.rssUnderLoad / MB, 160, 'max')]);
  }
  if (r.footprint24) {
    const f = r.footprint24;
    rows.push(['4 Footprint', `${f.version} (the image's runtime): cold start to ready`, `${fmt(f.readyMs)} ms, ${fmt(f.readyCpuMs)} CPU-ms (bare ${fmt(f.bareReadyMs)} ms)`, `${fmt(f.readyMs / f.bareReadyMs, 2)}× bare`, `${fmt(f.readyCpuMs / f.bareReadyCpuMs, 2)}× bare`, '≤ 500 ms', verdict(f.readyMs, 500, 'max')]);
    rows.push(['4 Footprint', `${f.version}: RSS idle`, `${fmt(f.rssIdle / MB, 1)} MB (bare ${fmt(f.bareRssIdle / MB, 1)} MB)`, `${fmt(f.rssIdle / f.bareRssIdle, 2)}× bare`, '', '≤ 80 MB', verdict(f.rssIdle / MB, 80, 'max')]);
  }
  return rows;
}

function detailTable(title, group, unit) {
  if (!group) return '';
  const lines = [`### ${title}`, '', `| contender | median ${unit} | per server CPU-s | runs | p50 / p99 latency (ms, median) | client CPU | server CPU (main thread) | non-2xx |`, '|---|---|---|---|---|---|---|---|'];
  for (const [key, g] of Object.entries(group)) {
    if (!g || !Array.isArray(g.runs)) continue;
    const runs = g.runs;
    const m = (f) => (runs.every((x) => x[f] !== undefined) ? median(runs.map((x) => x[f])) : undefined);
    const pct = (x) => (x === undefined ? '' : `${fmt(x * 100)}%`);
    lines.push(`| ${key} | ${fmt(g.median)} | ${fmt(g.perCpu)} | ${runs.map((x) => fmt(x.rps)).join(', ')} | ${m('latencyP50') !== undefined ? `${fmt(m('latencyP50'), 1)} / ${fmt(m('latencyP99'), 1)}` : ''} | ${pct(m('clientCpu'))} | ${pct(m('serverCpu'))}${m('serverMainCpu') !== undefined ? ` (${pct(m('serverMainCpu'))})` : ''} | ${runs.some((x) => x.non2xx !== undefined) ? runs.map((x) => x.non2xx ?? 0).join(', ') : ''} |`);
  }
  return lines.join('\n') + '\n';
}

/** The commit (and whether src/ had uncommitted changes) at the start of a run: what was built and measured. */
export function sourceState() {
  return { commit: git('rev-parse --short HEAD'), dirty: git('status --porcelain -- src') !== '' ? ' (with uncommitted changes under src/)' : '' };
}

export function writeResults(r, { startedAt, command, file = join(ROOT, 'bench/RESULTS.md'), print = false }) {
  const commit = r.commit ?? git('rev-parse --short HEAD');
  const dirty = r.dirty ?? (git('status --porcelain -- src') !== '' ? ' (with uncommitted changes under src/)' : '');
  const rows = summaryRows(r);
  const capacity = r.signin?.['service-RS256']?.runs?.[0]?.capacity;
  const text = `# Benchmark results

Generated by \`bench/run.mjs\`; see [docs/bench.md](../docs/bench.md) for the method and
[PROFILING.md](PROFILING.md) for the profiles behind the misses. The paired runs with wrk (JWKS at 50
and 200 connections, downstream guard costs, sign-in) are in [PAIRS.md](PAIRS.md), the revocation
list at 1k/100k/1M entries in [REVOCATION.md](REVOCATION.md).

- Date: ${startedAt.toISOString()}
- Command: \`${command}\`
- Commit: \`${commit}\`${dirty}
- Machine: ${availableParallelism()} cores (nproc), ${cpuModel()}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')}
- Node ${process.version}, ${process.platform}/${process.arch}
- Pinning: ${r.pinned ? `servers on core ${r.serverCore}, load generator (autocannon) and Redis on core ${r.clientCore} (taskset)` : 'NOT pinned (taskset missing): ratios are less meaningful'}
- Columns: "ratio" is the ratio of median throughputs (the issue's figure); "ratio per server CPU-s" divides each throughput by the CPU share the server process actually got (from /proc), which is what the ratio would be with a whole core each: on a machine shared with other work it is the figure to trust.
- Protocol: warm-up ${r.timing.warmSeconds} s, then ${r.timing.runs} measured runs of ${r.timing.runSeconds} s per contender, interleaved; medians; every ratio is between medians of the same run.

## Summary

| # | measure | medians | ratio | ratio per server CPU-s | target | result |
|---|---|---|---|---|---|---|
${rows.map((x) => `| ${x.join(' | ')} |`).join('\n')}

## Details

${detailTable('1. JWKS (GET /api/v1/auth/jwks, 50 connections)', r.jwks, 'req/s')}${r.jwks ? `\nJWKS body: ${r.jwks.bytes} bytes (one RSA-2048 key).\n\n` : ''}${detailTable('2. Sign-in (POST /challenge + POST /sign-in, Ed25519 wallet, 16 connections)', r.signin, 'sign-ins/s')}${capacity ? `\nClient capacity on its core: ${fmt(capacity.nodeSignsPerSec)} Ed25519 signatures/s with node:crypto (used), ${fmt(capacity.nobleSignsPerSec)}/s with @noble/curves (bit-identical signatures, checked at start). "bound-*" rows are the crypto bound (one token signature + one Ed25519 verification, node:crypto, on the server core), not load runs. "floor-RS256" is bench/targets/signin-floor.mjs: both routes on bare node:http doing the service's Redis work, node:crypto verification and signing, nothing else.\n\n` : ''}${detailTable('3. Downstream (GET /api/data with a real RS256 access token, 50 connections)', r.downstream, 'req/s')}${siweSection(r.siwe)}${r.footprint ? `\n### 4. Footprint\n\nCold start = spawn of \`node dist/bundle/server.mjs\` (Redis, RS256 key dir, NODE_ENV=production) until \`/readyz\` answers 200, polled every 5 ms; the bare baseline is a node:http process until it listens. Idle RSS 1 s after ready. Runs (ready ms / CPU-ms / idle RSS), service: ${r.footprint.runs.service.map((x) => `${fmt(x.readyMs)} / ${fmt(x.readyCpuMs)} / ${fmt(x.rss / MB, 1)} MB`).join(', ')}; bare: ${r.footprint.runs.bare.map((x) => `${fmt(x.readyMs)} / ${fmt(x.readyCpuMs)} / ${fmt(x.rss / MB, 1)} MB`).join(', ')}.\n` : ''}`;
  writeFileSync(file, text);
  if (print) process.stdout.write(text);
  return file;
}

/** Sign-in message cost: per-op figures and the paired ratio against the siwe ABNF parser. */
function siweSection(x) {
  if (!x) return '';
  const us = (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} µs`;
  return `
### 5. Sign-in message cost (bench/targets/siwe-parse.mjs, server core)

Worst message the bounds accept (${x.bytes.worst} bytes, 32 resources): bounds + line parser **${us(x.usPerOp.worst)}/op** (slowest run ${us(x.worstMaxUs)}; target < 1 ms: ${x.worstMaxUs < 1000 ? 'met' : 'MISSED'}); the siwe ABNF parser on the same message ${us(x.usPerOp.abnf)}/op. Ratio ABNF / ours, median of ${x.pairs} alternated pairs: **${x.ratio.median.toFixed(0)}×** (min ${x.ratio.min.toFixed(0)}×, max ${x.ratio.max.toFixed(0)}×). CPU time per op (the figure with a whole core): ours ${us(x.cpuUsPerOp.worst)}, ABNF ${us(x.cpuUsPerOp.abnf)}. Typical ${x.bytes.typical}-byte message ${us(x.usPerOp.typical)}/op; refusing an over-limit message (${x.bytes.over} bytes, 100 resources) before parsing ${us(x.usPerOp.refused)}/op. Worker CPU share ${(x.serverCpu * 100).toFixed(0)}%.
`;
}
