import { expect } from 'vitest';
import type { TestCluster } from '../harness/cluster.js';
import { AUTH, Http, Wallet } from '../harness/load.js';
import { report, summarize } from '../harness/stats.js';

/** Runs `tasks` with at most `parallel` in flight. */
async function pool<T>(count: number, parallel: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/**
 * A challenge issued by one replica is consumed on another; `races` challenges are each raced by
 * two sign-ins sent at once to two different replicas (exactly one may win); refresh tokens are
 * raced by one refresh per replica (one rotation: within the grace window every replica answers the
 * same new refresh token). Every winning access token is checked
 * at the downstream sample API.
 */
export async function crossReplica(cluster: TestCluster, races = 1000, label = 'cross-replica'): Promise<void> {
  const names = [...cluster.replicas.keys()];
  const urls = names.map((n) => cluster.replica(n).url);
  const sample = cluster.sample!.url;
  const http = new Http(128);
  const wallets = Array.from({ length: 16 }, () => new Wallet());

  // 1. Issued on replica i, consumed on replica j != i, for every ordered pair.
  for (let i = 0; i < urls.length; i++) {
    for (let j = 0; j < urls.length; j++) {
      if (i === j) continue;
      const w = wallets[i * urls.length + j]!;
      const ch = await http.call('challenge', 'POST', `${urls[i]}${AUTH}/challenge`, { address: w.address });
      expect(ch.status).toBe(200);
      const si = await http.call('sign-in', 'POST', `${urls[j]}${AUTH}/sign-in`, w.signInBody(ch.json.challenge as string));
      expect(si.status, `challenge from ${names[i]} spent on ${names[j]}: ${JSON.stringify(si.json)}`).toBe(200);
    }
  }

  // 2. Double-spend races: both sign-ins leave together, to two different replicas.
  const started = Date.now();
  const raceSamples = http.samples.length;
  const outcomes = await pool(races, 24, async (k) => {
    const w = wallets[k % wallets.length]!;
    const a = k % urls.length;
    const b = (k + 1) % urls.length;
    const ch = await http.call('challenge', 'POST', `${urls[a]}${AUTH}/challenge`, { address: w.address });
    if (ch.status !== 200) return { wins: -1, statuses: [`challenge ${ch.status}:${String(ch.json.error)}`], token: undefined, refresh: undefined };
    const body = w.signInBody(ch.json.challenge as string);
    const replies = await Promise.all([
      http.call('race-sign-in', 'POST', `${urls[a]}${AUTH}/sign-in`, body),
      http.call('race-sign-in', 'POST', `${urls[b]}${AUTH}/sign-in`, body),
    ]);
    const winner = replies.find((r) => r.status === 200);
    return {
      wins: replies.filter((r) => r.status === 200).length,
      statuses: replies.map((r) => (r.status === 200 ? 200 : `${r.status}:${String(r.json.error)}`)),
      token: winner?.json.access_token as string | undefined,
      refresh: winner?.json.refresh_token as string | undefined,
    };
  });
  const raceMs = Date.now() - started;
  const exactlyOne = outcomes.filter((o) => o.wins === 1).length;
  const losers = outcomes.flatMap((o) => o.statuses.filter((s) => s !== 200));

  // Every winner's token is accepted downstream.
  const validations = await pool(outcomes.length, 24, async (k) => {
    const token = outcomes[k]!.token;
    if (!token) return 0;
    return (await http.call('validate', 'GET', `${sample}/api/data`, undefined, { authorization: `Bearer ${token}` })).status;
  });

  // 3. Refresh races: one refresh per replica, all at once, for up to 200 fresh sessions.
  const sessions = outcomes.flatMap((o) => (o.refresh ? [o.refresh] : [])).slice(0, 200);
  const refreshRaces = await pool(sessions.length, 12, async (k) => {
    const refresh = sessions[k]!;
    const replies = await Promise.all(urls.map((u) => http.call('race-refresh', 'POST', `${u}${AUTH}/refresh`, { refresh_token: refresh })));
    const ok = replies.filter((r) => r.status === 200);
    // Within the grace window every concurrent refresh gets the one new token the rotation issued.
    return {
      wins: ok.length,
      tokens: new Set(ok.map((r) => r.json.refresh_token as string)).size,
      others: replies.filter((r) => r.status !== 200).map((r) => `${r.status}:${String(r.json.error)}`),
    };
  });
  http.close();

  const loserCodes: Record<string, number> = {};
  for (const s of losers) loserCodes[String(s)] = (loserCodes[String(s)] ?? 0) + 1;
  const refreshLosers: Record<string, number> = {};
  for (const s of refreshRaces.flatMap((r) => r.others)) refreshLosers[s] = (refreshLosers[s] ?? 0) + 1;
  report(label, {
    'double-spend races': races,
    'races with exactly one success': exactlyOne,
    'races that met a 503': outcomes.filter((o) => o.statuses.some((x) => String(x).includes('503'))).length,
    'losing sign-ins': loserCodes,
    'race wall time ms': raceMs,
    'sign-in latency during races': summarize(http.samples.slice(raceSamples).filter((s) => s.op === 'race-sign-in'), () => false),
    'downstream validations': validations.filter((s) => s === 200).length,
    'refresh races (3 replicas each)': refreshRaces.length,
    'refresh races answered 200 on every replica with one token': refreshRaces.filter((r) => r.wins === urls.length && r.tokens === 1).length,
    'losing refreshes': refreshLosers,
  });

  // Safety, strictly: never two winners, for a challenge or for a refresh token.
  expect(outcomes.filter((o) => o.wins > 1)).toEqual([]);
  expect(refreshRaces.filter((r) => r.tokens > 1)).toEqual([]);
  // Exactly one winner in every race the store answered. A race that met a 503 (Redis slower than
  // REDIS_COMMAND_TIMEOUT_MS on an overloaded machine) may end with no winner, which is the safe
  // side: such races are counted, reported and must stay rare.
  const unavailable = (statuses: (string | number)[]) => statuses.some((s) => String(s).includes('503'));
  const clean = outcomes.filter((o) => !unavailable(o.statuses));
  expect(clean.filter((o) => o.wins !== 1)).toEqual([]);
  expect(races - clean.length).toBeLessThanOrEqual(races / 100);
  for (const code of Object.keys(loserCodes)) expect(code).toMatch(/^(401:invalid_challenge|(challenge )?503:store_unavailable)$/);
  expect(validations.filter((s) => s === 200).length).toBe(exactlyOne);
  const cleanRefresh = refreshRaces.filter((r) => !unavailable(r.others));
  expect(cleanRefresh.filter((r) => r.wins !== urls.length || r.tokens !== 1)).toEqual([]);
  expect(refreshRaces.length - cleanRefresh.length).toBeLessThanOrEqual(Math.max(2, refreshRaces.length / 100));
  for (const code of Object.keys(refreshLosers)) expect(code).toMatch(/^503:store_unavailable$/);
}
