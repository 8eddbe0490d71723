import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, planRotation, retiredFileName, retiredFiles, RotationStateError, type RotationPolicy } from '../../../src/cli/rotation/plan.js';

// The state machine is pure: every case builds a Secret state and a "now", no clock involved.
const policy: RotationPolicy = { jwksMaxAgeSeconds: 300, tokenLifetimeSeconds: 900, marginSeconds: 60, intervalSeconds: 30 * 86400 };
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

describe('planRotation', () => {
  it('refuses a Secret without active.pem', () => {
    expect(() => planRotation({ files: ['next.pem'], annotations: {} }, policy, T0)).toThrow(RotationStateError);
    try {
      planRotation({ files: [], annotations: {} }, policy, T0);
    } catch (err) {
      expect((err as RotationStateError).code).toBe('no_active_key');
    }
  });

  it('marks an active key of unknown age instead of rotating it at once', () => {
    const step = planRotation({ files: ['active.pem'], annotations: {} }, policy, T0);
    expect(step).toMatchObject({ kind: 'mark', annotation: ANNOTATIONS.activeSince });
  });

  it('treats an unparseable timestamp as missing', () => {
    const step = planRotation({ files: ['active.pem'], annotations: { [ANNOTATIONS.activeSince]: 'yesterday' } }, policy, T0);
    expect(step).toMatchObject({ kind: 'mark', annotation: ANNOTATIONS.activeSince });
  });

  it('waits until the interval has passed, then publishes', () => {
    const state = { files: ['active.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0) } };
    const before = planRotation(state, policy, at(policy.intervalSeconds - 1));
    expect(before).toMatchObject({ kind: 'wait', until: at(policy.intervalSeconds) });
    expect(planRotation(state, policy, at(policy.intervalSeconds))).toMatchObject({ kind: 'publish' });
  });

  it('force publishes before the interval', () => {
    const state = { files: ['active.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0) } };
    expect(planRotation(state, policy, at(10), true)).toMatchObject({ kind: 'publish' });
  });

  it('promotes next.pem only after the JWKS max-age plus margin', () => {
    const state = { files: ['active.pem', 'next.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0), [ANNOTATIONS.nextPublishedAt]: iso(100) } };
    const due = 100 + policy.jwksMaxAgeSeconds + policy.marginSeconds;
    expect(planRotation(state, policy, at(due - 1))).toMatchObject({ kind: 'wait', until: at(due) });
    // force never shortens this wait: verifiers may still hold a JWKS without the new key.
    expect(planRotation(state, policy, at(due - 1), true)).toMatchObject({ kind: 'wait' });
    const step = planRotation(state, policy, at(due));
    expect(step).toMatchObject({ kind: 'promote', retiredFile: 'retired-20260101T000740Z.pem' });
  });

  it('marks a next.pem of unknown publication time', () => {
    const step = planRotation({ files: ['active.pem', 'next.pem'], annotations: {} }, policy, T0);
    expect(step).toMatchObject({ kind: 'mark', annotation: ANNOTATIONS.nextPublishedAt });
  });

  it('drops retired keys only after the token lifetime plus margin', () => {
    const state = { files: ['active.pem', 'retired-a.pem', 'old.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0), [ANNOTATIONS.retiredAt]: iso(0) } };
    const due = policy.tokenLifetimeSeconds + policy.marginSeconds;
    expect(planRotation(state, policy, at(due - 1))).toMatchObject({ kind: 'wait', until: at(due) });
    expect(planRotation(state, policy, at(due))).toEqual(expect.objectContaining({ kind: 'drop', files: ['old.pem', 'retired-a.pem'] }));
  });

  it('marks retired keys of unknown age (e.g. brought by the user) instead of dropping them', () => {
    const step = planRotation({ files: ['active.pem', 'legacy.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0) } }, policy, at(10 ** 8));
    expect(step).toMatchObject({ kind: 'mark', annotation: ANNOTATIONS.retiredAt });
  });

  it('finishes a promotion before dropping, and force may publish while retired keys wait', () => {
    const state = {
      files: ['active.pem', 'next.pem', 'retired-x.pem'],
      annotations: { [ANNOTATIONS.activeSince]: iso(0), [ANNOTATIONS.nextPublishedAt]: iso(0), [ANNOTATIONS.retiredAt]: iso(0) },
    };
    expect(planRotation(state, policy, at(10_000))).toMatchObject({ kind: 'promote' });
    const waiting = { files: ['active.pem', 'retired-x.pem'], annotations: { [ANNOTATIONS.activeSince]: iso(0), [ANNOTATIONS.retiredAt]: iso(0) } };
    expect(planRotation(waiting, policy, at(10))).toMatchObject({ kind: 'wait' });
    expect(planRotation(waiting, policy, at(10), true)).toMatchObject({ kind: 'publish' });
  });

  it('ignores data keys that are not PEM files', () => {
    expect(retiredFiles(['active.pem', 'next.pem', 'README', 'b.pem', 'a.pem'])).toEqual(['a.pem', 'b.pem']);
  });
});

describe('retiredFileName', () => {
  it('is a valid, sortable Secret key and never collides', () => {
    const name = retiredFileName(at(0), []);
    expect(name).toBe('retired-20260101T000000Z.pem');
    expect(name).toMatch(/^[-._a-zA-Z0-9]+$/);
    expect(retiredFileName(at(0), [name])).toBe('retired-20260101T000000Z-2.pem');
  });
});
