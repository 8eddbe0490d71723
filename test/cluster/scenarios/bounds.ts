import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { JWKS, type TestCluster } from '../harness/cluster.js';
import { AUTH, Http, runLoad, signIn, Wallet } from '../harness/load.js';
import { byOp, report } from '../harness/stats.js';
import { validate } from '../harness/traffic.js';

const MiB = 1024 * 1024;

/**
 * Mixed load for `seconds`: sign-ins, refreshes, downstream validations, JWKS reads, bad requests
 * (400/401) and a challenge flood from ever-new addresses (state that a careless store or limiter
 * would keep forever). RSS of each replica is sampled every 500 ms and must stay under `rssBoundMiB`.
 */
export async function boundedUnderMixedLoad(cluster: TestCluster, seconds: number, rssBoundMiB: number, label: string): Promise<void> {
  const replicas = [...cluster.replicas.values()];
  const http = new Http(64);
  const wallets = Array.from({ length: 8 }, () => new Wallet());
  const rss = new Map<string, number[]>(replicas.map((r) => [r.name, []]));
  let stopped = false;
  const sampler = (async () => {
    while (!stopped) {
      for (const r of replicas) rss.get(r.name)!.push(r.rss());
      await sleep(500);
    }
  })();
  const base = cluster.url;
  const hasSample = cluster.sample !== undefined;
  const mix = async (w: number) => {
    const kind = w % 4;
    if (kind === 0 || kind === 1) {
      // A session: sign in, validate, refresh twice.
      // A new wallet per session: per-address state (challenges, limiter keys) keeps growing.
      const t = await signIn(http, base, new Wallet());
      if (!t) return;
      if (hasSample) await validate(http, cluster, t.access);
      let refresh = t.refresh;
      for (let i = 0; i < 2; i++) {
        const r = await http.call('refresh', 'POST', `${base}${AUTH}/refresh`, { refresh_token: refresh });
        if (r.status !== 200) return;
        refresh = r.json.refresh_token as string;
      }
    } else if (kind === 2) {
      // Challenges for addresses never seen before (and never used).
      await http.call('challenge-flood', 'POST', `${base}${AUTH}/challenge`, { address: randomBytes(32).toString('hex') });
    } else {
      await http.call('jwks', 'GET', `${base}${JWKS}`);
      await http.call('bad-request', 'POST', `${base}${AUTH}/sign-in`, { algorithm: 'Ed25519', address: 'zz' });
      await http.call('bad-signature', 'POST', `${base}${AUTH}/sign-in`, { ...wallets[w]!.signInBody(randomBytes(32).toString('hex')) });
    }
  };
  await runLoad(wallets.length, mix, () => false, seconds * 1000);
  stopped = true;
  await sampler;
  http.close();

  const ops = byOp(http.samples);
  const figures: Record<string, unknown> = { seconds, 'requests total': http.samples.length };
  for (const [name, series] of rss) {
    figures[`${name} RSS MiB (first / max / last)`] = [series[0], Math.max(...series), series.at(-1)].map((b) => Math.round(b! / MiB));
  }
  report(`bounds: ${label}`, { ...figures, ...ops });

  const unexpected = http.samples.filter((s) => {
    if (s.op === 'bad-request') return s.status !== 400;
    if (s.op === 'bad-signature') return s.status !== 401;
    return s.status !== 200;
  });
  expect(unexpected.slice(0, 5)).toEqual([]);
  for (const [, series] of rss) expect(Math.max(...series)).toBeLessThan(rssBoundMiB * MiB);
  for (const r of replicas) expect(r.alive).toBe(true);
}

