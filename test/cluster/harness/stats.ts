import type { Sample } from './load.js';

export interface Summary {
  requests: number;
  failures: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Counts and latency percentiles of `samples`; a failure is anything `isFailure` says (default: not 2xx). */
export function summarize(samples: readonly Sample[], isFailure: (s: Sample) => boolean = (s) => s.status < 200 || s.status >= 300): Summary {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) {
    const key = s.status === 0 ? `err:${s.error}` : s.code ? `${s.status}:${s.code}` : String(s.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: samples.length,
    failures: samples.filter(isFailure).length,
    statuses,
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    p99: round(percentile(ms, 99)),
    max: round(ms.at(-1) ?? 0),
  };
}

/** Prints one scenario's figures in a form that is easy to copy into docs/cluster.md. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  const lines = Object.entries(figures).map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  console.log(`\n[cluster] ${scenario}\n${lines.join('\n')}`);
}

/** Per-operation summaries of a load run. */
export function byOp(samples: readonly Sample[]): Record<string, Summary> {
  const ops = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = ops.get(s.op);
    if (list) list.push(s);
    else ops.set(s.op, [s]);
  }
  return Object.fromEntries([...ops].map(([op, list]) => [op, summarize(list)]));
}
