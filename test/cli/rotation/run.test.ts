import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { initKeySecret } from '../../../src/cli/commands/init.js';
import { ANNOTATIONS, type RotationPolicy } from '../../../src/cli/rotation/plan.js';
import { rotateKeys, type RotateOptions } from '../../../src/cli/rotation/run.js';
import { buildKeyring } from '../../../src/server/keys/keyring.js';
import { generateKeyPem } from '../../../src/server/keys/generate.js';
import { MemorySecretStore } from './memory-store.js';

const policy: RotationPolicy = { jwksMaxAgeSeconds: 300, tokenLifetimeSeconds: 900, marginSeconds: 60, intervalSeconds: 86400 };
const T0 = new Date('2026-03-01T12:00:00.000Z');

/** A fake clock the test moves by hand. */
function fakeClock(start = T0) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (seconds: number) => (now += seconds * 1000) };
}

async function newStore(alg: 'RS256' | 'ES256' | 'EdDSA' = 'EdDSA') {
  const store = new MemorySecretStore();
  expect(await initKeySecret(store, { alg, now: T0 })).toBe('created');
  return store;
}

function options(clock: ReturnType<typeof fakeClock>, extra: Partial<RotateOptions> = {}): RotateOptions {
  let generated = 0;
  return { policy, clock: clock.now, generateKey: (alg) => (generated++, generateKeyPem(alg)), ...extra };
}

const kinds = (r: { steps: { kind: string }[] }) => r.steps.map((s) => s.kind);
const kidsOf = async (store: MemorySecretStore) => (await buildKeyring(new Map([...store.secret!.files].filter(([n]) => n.endsWith('.pem'))))).jwks.keys.map((k) => k.kid);

describe('rotateKeys', () => {
  it('runs a full rotation cycle, each step only when due, and every re-run in between is a no-op', async () => {
    const clock = fakeClock();
    const store = await newStore();
    const original = store.secret!.files.get('active.pem')!;

    // Interval not reached: nothing changes.
    expect(kinds(await rotateKeys(store, options(clock)))).toEqual(['wait']);
    expect(store.updates).toBe(0);

    clock.advance(86400);
    const published = await rotateKeys(store, options(clock));
    expect(kinds(published)).toEqual(['publish', 'wait']);
    const next = store.secret!.files.get('next.pem')!;
    expect(next).toContain('BEGIN PRIVATE KEY');
    expect(store.secret!.files.get('active.pem')).toBe(original);
    expect(store.secret!.annotations[ANNOTATIONS.nextPublishedAt]).toBe(clock.now().toISOString());
    // The same key type as the active one.
    expect(createPrivateKey(next).asymmetricKeyType).toBe('ed25519');
    expect(await kidsOf(store)).toHaveLength(2);

    // Re-running right away changes nothing (idempotent).
    const updates = store.updates;
    clock.advance(policy.jwksMaxAgeSeconds + policy.marginSeconds - 1);
    expect(kinds(await rotateKeys(store, options(clock)))).toEqual(['wait']);
    expect(store.updates).toBe(updates);

    clock.advance(1);
    const promoted = await rotateKeys(store, options(clock));
    expect(kinds(promoted)).toEqual(['promote', 'wait']);
    const files = store.secret!.files;
    expect(files.get('active.pem')).toBe(next);
    expect(files.has('next.pem')).toBe(false);
    const retired = [...files.keys()].filter((f) => f.startsWith('retired-'));
    expect(retired).toHaveLength(1);
    expect(files.get(retired[0]!)).toBe(original);
    expect(store.secret!.annotations[ANNOTATIONS.activeSince]).toBe(clock.now().toISOString());
    expect(store.secret!.annotations[ANNOTATIONS.retiredAt]).toBe(clock.now().toISOString());
    expect(store.secret!.annotations[ANNOTATIONS.nextPublishedAt]).toBeUndefined();
    // Both keys are still published: tokens signed by the old one keep verifying.
    expect(await kidsOf(store)).toHaveLength(2);

    clock.advance(policy.tokenLifetimeSeconds + policy.marginSeconds - 1);
    expect(kinds(await rotateKeys(store, options(clock)))).toEqual(['wait']);
    clock.advance(1);
    expect(kinds(await rotateKeys(store, options(clock)))).toEqual(['drop', 'wait']);
    expect([...store.secret!.files.keys()]).toEqual(['active.pem']);
    expect(store.secret!.annotations[ANNOTATIONS.retiredAt]).toBeUndefined();
    expect(await kidsOf(store)).toHaveLength(1);
  });

  it('takes several due steps in one run, never publish and promote together', async () => {
    const clock = fakeClock();
    const store = await newStore();
    clock.advance(86400);
    await rotateKeys(store, options(clock));
    clock.advance(10 * 86400); // a long outage of the CronJob
    // Promote is due; drop is due only after the token lifetime from the promotion (now), so it waits.
    expect(kinds(await rotateKeys(store, options(clock)))).toEqual(['promote', 'wait']);
  });

  it('two concurrent runs cannot both publish: the loser re-reads and finds nothing to do', async () => {
    const clock = fakeClock();
    const store = await newStore();
    clock.advance(86400);
    // Run B slips in between run A's read and A's write, and publishes first.
    store.beforeUpdate = async () => {
      const b = await rotateKeys(store, options(clock));
      expect(kinds(b)).toEqual(['publish', 'wait']);
    };
    const nextFromB = () => store.secret!.files.get('next.pem');
    const a = await rotateKeys(store, options(clock));
    expect(a.conflicts).toBe(1);
    expect(kinds(a)).toEqual(['wait']);
    // Exactly one next.pem, B's, and one publish in total.
    expect(nextFromB()).toBeDefined();
    expect(store.updates).toBe(1);
  });

  it('dry run reports the due step and changes nothing', async () => {
    const clock = fakeClock();
    const store = await newStore();
    clock.advance(86400);
    const r = await rotateKeys(store, options(clock, { dryRun: true }));
    expect(kinds(r)).toEqual(['publish']);
    expect(store.updates).toBe(0);
  });

  it('force starts a rotation before the interval, once', async () => {
    const clock = fakeClock();
    const store = await newStore('RS256');
    const r = await rotateKeys(store, options(clock, { force: true, algorithm: 'ES256' }));
    expect(kinds(r)).toEqual(['publish', 'wait']);
    expect(createPrivateKey(store.secret!.files.get('next.pem')!).asymmetricKeyType).toBe('ec');
  });

  it('fails clearly on a missing Secret, and keys init never overwrites one', async () => {
    const store = new MemorySecretStore();
    await expect(rotateKeys(store, options(fakeClock()))).rejects.toMatchObject({ code: 'not_found' });
    await initKeySecret(store, { alg: 'EdDSA', now: T0 });
    const before = store.secret!.files.get('active.pem');
    expect(await initKeySecret(store, { alg: 'EdDSA', now: T0 })).toBe('exists');
    expect(store.secret!.files.get('active.pem')).toBe(before);
  });

  it('bounds the number of steps per run', async () => {
    const clock = fakeClock();
    const store = await newStore();
    delete store.secret!.annotations[ANNOTATIONS.activeSince];
    const r = await rotateKeys(store, options(clock, { maxSteps: 1 }));
    expect(kinds(r)).toEqual(['mark']);
  });
});
