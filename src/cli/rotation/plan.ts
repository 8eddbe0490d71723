/**
 * The key-rotation state machine, pure: given the key Secret's file names and annotations, the
 * policy and the current time, it names the one step that is due. It never reads a clock or does
 * I/O, so every transition is unit-tested with a fake clock (test/cli/rotation/plan.test.ts).
 *
 * Life of a key: published as `next.pem` (verifiers learn it) -> after the JWKS max-age (plus a
 * margin for kubelet propagation and reloads) promoted to `active.pem`; the old active becomes
 * `retired-<time>.pem` (still published, so tokens it signed keep verifying) -> after the longest
 * token lifetime (plus margin) the retired key is dropped. Timestamps live in Secret annotations,
 * so a step is decided from the Secret alone and re-running a step that already happened is a
 * no-op: the state it would produce is already there.
 */

export const ANNOTATIONS = {
  /** When `active.pem` started signing (set by `keys init` and by each promotion). */
  activeSince: 'pico-auth/active-since',
  /** When the current `next.pem` was added. */
  nextPublishedAt: 'pico-auth/next-published-at',
  /** When the newest retired key stopped signing. */
  retiredAt: 'pico-auth/retired-at',
} as const;

export const ACTIVE = 'active.pem';
export const NEXT = 'next.pem';

export interface RotationPolicy {
  /** The JWKS `Cache-Control: max-age` (AUTH_JWKS_MAX_AGE_SECONDS), in seconds. */
  jwksMaxAgeSeconds: number;
  /** Longest lifetime of a token signed with a key (access or service token), in seconds. */
  tokenLifetimeSeconds: number;
  /** Extra wait added to both, in seconds: kubelet Secret propagation (~1-2 min) and key reloads. */
  marginSeconds: number;
  /** A new rotation starts once the active key has signed this long, in seconds. */
  intervalSeconds: number;
}

export interface RotationState {
  /** Names of the Secret's `*.pem` data keys. */
  files: readonly string[];
  annotations: Readonly<Record<string, string>>;
}

export type RotationStep =
  /** Add a fresh `next.pem`. */
  | { kind: 'publish'; reason: string }
  /** `active.pem` <- `next.pem`; the old active is kept as `retiredFile`. */
  | { kind: 'promote'; retiredFile: string; reason: string }
  /** Remove the retired keys. */
  | { kind: 'drop'; files: string[]; reason: string }
  /** Record a missing timestamp as "now": a key of unknown age is treated as brand new, the safe side. */
  | { kind: 'mark'; annotation: string; reason: string }
  /** Nothing is due before `until`. */
  | { kind: 'wait'; until: Date; reason: string };

export class RotationStateError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RotationStateError';
    this.code = code;
  }
}

/** Retired keys: every `*.pem` that is neither active nor next (the contract's layout). */
export function retiredFiles(files: readonly string[]): string[] {
  return files.filter((f) => f.endsWith('.pem') && f !== ACTIVE && f !== NEXT).sort();
}

/** `retired-20261130T101500Z.pem`: sortable, a valid Secret key, unique within the Secret. */
export function retiredFileName(now: Date, existing: readonly string[]): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  let name = `retired-${stamp}.pem`;
  for (let i = 2; existing.includes(name); i++) name = `retired-${stamp}-${i}.pem`;
  return name;
}

function timeOf(annotations: Readonly<Record<string, string>>, key: string): Date | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

const plus = (t: Date, seconds: number): Date => new Date(t.getTime() + seconds * 1000);

/**
 * The step due at `now`. Order: finish a rotation in progress (promote), then clean up (drop),
 * then start a new one (publish). `force` starts a new rotation even if the interval has not
 * passed (it never skips a wait that protects tokens or verifiers).
 */
export function planRotation(state: RotationState, policy: RotationPolicy, now: Date, force = false): RotationStep {
  const { files, annotations } = state;
  if (!files.includes(ACTIVE)) {
    throw new RotationStateError('no_active_key', `no ${ACTIVE}: create it first with \`pico-auth keys init --secret NAME\` (a Secret) or \`pico-auth keys generate --dir DIR\` (a folder)`);
  }
  const retired = retiredFiles(files);

  if (files.includes(NEXT)) {
    const published = timeOf(annotations, ANNOTATIONS.nextPublishedAt);
    if (!published) return { kind: 'mark', annotation: ANNOTATIONS.nextPublishedAt, reason: `${NEXT} has no valid publication time; counting from now` };
    const due = plus(published, policy.jwksMaxAgeSeconds + policy.marginSeconds);
    if (now < due) return { kind: 'wait', until: due, reason: `${NEXT} was published at ${published.toISOString()}; verifiers may cache the old JWKS until ${due.toISOString()}` };
    return { kind: 'promote', retiredFile: retiredFileName(now, files), reason: `${NEXT} has been published since ${published.toISOString()}, longer than the JWKS max-age plus margin` };
  }

  if (retired.length > 0) {
    const retiredAt = timeOf(annotations, ANNOTATIONS.retiredAt);
    if (!retiredAt) return { kind: 'mark', annotation: ANNOTATIONS.retiredAt, reason: `retired keys (${retired.join(', ')}) have no valid retirement time; counting from now` };
    const due = plus(retiredAt, policy.tokenLifetimeSeconds + policy.marginSeconds);
    if (now >= due) return { kind: 'drop', files: retired, reason: `every token signed by ${retired.join(', ')} expired by ${due.toISOString()}` };
    if (!force) return { kind: 'wait', until: due, reason: `tokens signed by ${retired.join(', ')} may be valid until ${due.toISOString()}` };
  }

  if (force) return { kind: 'publish', reason: 'rotation forced' };
  const since = timeOf(annotations, ANNOTATIONS.activeSince);
  if (!since) return { kind: 'mark', annotation: ANNOTATIONS.activeSince, reason: `${ACTIVE} has no valid start time; counting from now` };
  const due = plus(since, policy.intervalSeconds);
  if (now < due) return { kind: 'wait', until: due, reason: `${ACTIVE} signs since ${since.toISOString()}; the next rotation starts at ${due.toISOString()}` };
  return { kind: 'publish', reason: `${ACTIVE} has signed since ${since.toISOString()}, longer than the rotation interval` };
}
