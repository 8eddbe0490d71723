import { createPrivateKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CoreV1Api, type V1CronJob, type V1Secret } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { ControlPlane } from './harness.js';
import { runPodSpec } from './job-runner.js';

/** `pico-auth-keys` has no clock option: this preload fakes Date in the CLI's process. */
const FAKE_CLOCK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'fake-clock.mjs')).href;

const A = {
  activeSince: 'pico-auth/active-since',
  nextPublishedAt: 'pico-auth/next-published-at',
  retiredAt: 'pico-auth/retired-at',
} as const;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** Seconds of a CronJob argument such as "300", "5m" or "30d". */
function seconds(raw: string | undefined): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw ?? '');
  if (!m) throw new Error(`not a duration: ${raw}`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}

const pem = (s: V1Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');
const at = (t: number) => new Date(t).toISOString();

/**
 * A whole rotation (publish, promote, drop) against the API server, each run exactly as the
 * rotation CronJob's pod runs it (its command, its ServiceAccount's token, so its Role is what
 * allows the calls) plus a fake clock. Checks the Secret's data and annotations after each run,
 * and that runs with nothing due change nothing (same resourceVersion). Returns the final Secret.
 */
export async function rotationCycle(cp: ControlPlane, ns: string, cronJob: V1CronJob, cli: string, secretName: string): Promise<V1Secret> {
  const pod = cronJob.spec?.jobTemplate.spec?.template.spec;
  if (!pod) throw new Error('the rotation CronJob has no pod template');
  const args = pod.containers[0]?.args ?? pod.containers[0]?.command ?? [];
  const flag = (name: string) => args[args.indexOf(name) + 1];
  const maxAge = seconds(flag('--jwks-max-age'));
  const lifetime = seconds(flag('--token-lifetime'));
  const margin = seconds(flag('--margin'));
  const interval = seconds(flag('--interval'));
  expect(maxAge + margin).toBeLessThan(interval);
  expect(lifetime + margin).toBeLessThan(interval);

  const core = cp.adminConfig().makeApiClient(CoreV1Api);
  const read = () => core.readNamespacedSecret({ name: secretName, namespace: ns });
  let runs = 0;
  const rotateAt = async (t: number): Promise<V1Secret> => {
    const res = await runPodSpec(cp, ns, cli, `${cronJob.metadata?.name}-run-${++runs}`, pod, {
      node: ['--import', FAKE_CLOCK],
      env: { PICO_FAKE_NOW: at(t) },
    });
    expect(res, `keys rotate at ${at(t)} failed:\n${res.stderr}`).toMatchObject({ code: 0, hadToken: true });
    expect(res.argv).toContain('rotate');
    return read();
  };

  // After `keys init`: only active.pem, with its start time.
  const initial = await read();
  expect(Object.keys(initial.data ?? {})).toEqual(['active.pem']);
  const t0 = Date.parse(initial.metadata?.annotations?.[A.activeSince] ?? '');
  expect(Number.isFinite(t0), 'keys init sets pico-auth/active-since').toBe(true);
  const oldActive = pem(initial, 'active.pem');

  // Before the interval: nothing to do, nothing written.
  const early = await rotateAt(t0 + interval * 1000 - 60_000);
  expect(early.metadata?.resourceVersion).toBe(initial.metadata?.resourceVersion);

  // 1. publish: next.pem appears beside the untouched active key.
  const t1 = t0 + interval * 1000 + 1000;
  const published = await rotateAt(t1);
  expect(Object.keys(published.data ?? {}).sort()).toEqual(['active.pem', 'next.pem']);
  expect(pem(published, 'active.pem')).toBe(oldActive);
  const next = pem(published, 'next.pem');
  expect(createPrivateKey(next).asymmetricKeyType).toBe(createPrivateKey(oldActive).asymmetricKeyType);
  expect(next).not.toBe(oldActive);
  expect(published.metadata?.annotations).toMatchObject({ [A.activeSince]: at(t0), [A.nextPublishedAt]: at(t1) });

  // Within the JWKS max-age plus margin: verifiers may not know next.pem yet, so no promotion.
  const waiting = await rotateAt(t1 + (maxAge + margin) * 1000 - 1000);
  expect(waiting.metadata?.resourceVersion).toBe(published.metadata?.resourceVersion);

  // 2. promote: next becomes active, the old active is kept as a retired key.
  const t2 = t1 + (maxAge + margin) * 1000;
  const promoted = await rotateAt(t2);
  const retired = Object.keys(promoted.data ?? {}).filter((k) => k !== 'active.pem');
  expect(retired).toHaveLength(1);
  expect(retired[0]).toMatch(/^retired-.*\.pem$/);
  expect(pem(promoted, 'active.pem')).toBe(next);
  expect(pem(promoted, retired[0]!)).toBe(oldActive);
  expect(promoted.metadata?.annotations?.[A.nextPublishedAt]).toBeUndefined();
  expect(promoted.metadata?.annotations).toMatchObject({ [A.activeSince]: at(t2), [A.retiredAt]: at(t2) });

  // Tokens signed by the retired key may still be valid: it stays.
  const keeping = await rotateAt(t2 + (lifetime + margin) * 1000 - 1000);
  expect(keeping.metadata?.resourceVersion).toBe(promoted.metadata?.resourceVersion);

  // 3. drop: the retired key goes once every token it signed has expired.
  const t3 = t2 + (lifetime + margin) * 1000;
  const dropped = await rotateAt(t3);
  expect(Object.keys(dropped.data ?? {})).toEqual(['active.pem']);
  expect(pem(dropped, 'active.pem')).toBe(next);
  expect(dropped.metadata?.annotations?.[A.retiredAt]).toBeUndefined();
  expect(dropped.metadata?.annotations?.[A.nextPublishedAt]).toBeUndefined();
  expect(dropped.metadata?.annotations?.[A.activeSince]).toBe(at(t2));

  // Idempotent: running again at the same time changes nothing.
  const again = await rotateAt(t3);
  expect(again.metadata?.resourceVersion).toBe(dropped.metadata?.resourceVersion);
  return again;
}
