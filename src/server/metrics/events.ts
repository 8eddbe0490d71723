import type { ServiceEventMap, ServiceEvents } from '../events.js';
import { AUDIT_OPERATIONS, LOGIN_OUTCOMES, REFRESH_OUTCOMES, SIGN_IN_OUTCOMES, TOKEN_KINDS, type MetricSet } from './definitions.js';
import { BoundedLabel, oneOf } from './labels.js';

type Listener<K extends keyof ServiceEventMap> = (...args: ServiceEventMap[K]) => void;

/**
 * Counts the domain events the sessions service emits. Every label value is mapped onto a closed list
 * (`unknown` / `error` for anything else), so a route bug cannot create new series. Known
 * combinations start at zero, so `rate()` and `absent()` work from the first scrape.
 * Returns the function that unsubscribes.
 */
export function countServiceEvents(events: ServiceEvents, m: MetricSet, algorithms: readonly string[]): () => void {
  const algorithmLabels = [...algorithms, 'unknown'];
  const limiters = new BoundedLabel(32);

  // The labelled counters of every sign-in and token, resolved once: prom-client's `labels()` builds
  // a label object and a bound function per call. A resolved child survives `resetMetrics()` (it
  // increments through the counter's current series map).
  const signIns = new Map(algorithmLabels.map((a) => [a, new Map(SIGN_IN_OUTCOMES.map((o) => [o as string, m.signIns.labels(a, o)]))]));
  const tokens = new Map(TOKEN_KINDS.map((kind) => [kind as string, m.tokensIssued.labels(kind)]));
  for (const algorithm of algorithms) for (const child of signIns.get(algorithm)!.values()) child.inc(0);
  for (const child of tokens.values()) child.inc(0);
  for (const outcome of REFRESH_OUTCOMES) m.refreshes.labels(outcome).inc(0);
  for (const outcome of LOGIN_OUTCOMES) m.logins.labels(outcome).inc(0);
  for (const operation of AUDIT_OPERATIONS) m.auditFailures.labels(operation).inc(0);

  const listeners: { [K in keyof ServiceEventMap]?: Listener<K> } = {
    challengeIssued: () => m.challengesIssued.inc(),
    signIn: (algorithm, outcome) => signIns.get(oneOf(algorithmLabels, algorithm, 'unknown'))!.get(oneOf(SIGN_IN_OUTCOMES, outcome, 'error'))!.inc(),
    // An unknown kind is a programming error; counting it under a real kind would lie.
    tokenIssued: (kind) => tokens.get(kind)?.inc(),
    refresh: (outcome) => m.refreshes.labels(oneOf(REFRESH_OUTCOMES, outcome, 'invalid')).inc(),
    login: (outcome) => m.logins.labels(oneOf(LOGIN_OUTCOMES, outcome, 'error')).inc(),
    revocation: () => m.revocations.inc(),
    rateLimited: (limiter) => m.rateLimited.labels(limiters.value(limiter)).inc(),
    connectionDropped: () => m.connectionsDropped.inc(),
    rateDelayed: (limiter) => m.rateDelayed.labels(limiters.value(limiter)).inc(),
    auditFailed: (operation) => m.auditFailures.labels(oneOf(AUDIT_OPERATIONS, operation, 'add')).inc(),
  };
  const entries = Object.entries(listeners) as [keyof ServiceEventMap, (...args: unknown[]) => void][];
  for (const [name, fn] of entries) events.on(name, fn as never);
  return () => {
    for (const [name, fn] of entries) events.off(name, fn as never);
  };
}
