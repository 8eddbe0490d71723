// wrk as the load generator: a C event loop on the client core, one thread, so the Node server is
// the limit and the generator keeps headroom (its CPU share is sampled from /proc and reported).
import { spawnSync } from 'node:child_process';
import { CLIENT_CORE, cpuSeconds, spawnPinned } from './proc.mjs';

export const hasWrk = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;

const MS = { us: 0.001, ms: 1, s: 1000 };
const toMs = (v, unit) => Number(v) * MS[unit];

/** One wrk run against `target` ({ pid, ... }): { rps, latencyP50, latencyP99 (ms), clientCpu, serverCpu, serverMainCpu, non2xx, errors }. */
export async function wrkRun(target, { url, headers = {}, connections }, seconds) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const child = spawnPinned(CLIENT_CORE, 'wrk', [...args, url]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const s0 = cpuSeconds(target.pid);
  const m0 = cpuSeconds(target.pid, target.pid);
  const wall0 = performance.now();
  let clientCpu = 0;
  // wrk's CPU: sampled until it exits (the last sample is at most 50 ms before the end).
  const sampler = setInterval(() => {
    const c = cpuSeconds(child.pid);
    if (c !== undefined) clientCpu = c;
  }, 50);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const wall = (performance.now() - wall0) / 1000;
  const s1 = cpuSeconds(target.pid);
  const m1 = cpuSeconds(target.pid, target.pid);
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const lat = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : undefined;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  return {
    rps,
    duration: seconds,
    latencyP50: lat(50),
    latencyP99: lat(99),
    clientCpu: clientCpu / wall,
    serverCpu: s0 !== undefined && s1 !== undefined ? (s1 - s0) / wall : undefined,
    serverMainCpu: m0 !== undefined && m1 !== undefined ? (m1 - m0) / wall : undefined,
    non2xx,
    errors,
  };
}
