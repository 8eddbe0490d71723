import { parseKeyEntry, type SigningAlgorithm } from '../../server/keys/key-entry.js';
import { ConflictError, KubernetesApiError, type KeySecret, type SecretChange, type SecretStore } from '../k8s/types.js';
import { ACTIVE, ANNOTATIONS, NEXT, planRotation, type RotationPolicy, type RotationStep } from './plan.js';

export interface RotateOptions {
  policy: RotationPolicy;
  /** Current time; injected so tests drive the state machine with a fake clock. */
  clock: () => Date;
  /** Makes a PKCS#8 PEM private key (src/server/keys/generate.ts in production). */
  generateKey: (alg: SigningAlgorithm) => string;
  /** Algorithm of new keys; default: the active key's. */
  algorithm?: SigningAlgorithm;
  /** Start a new rotation now, even before the interval has passed. */
  force?: boolean;
  /** Report the due step without changing anything. */
  dryRun?: boolean;
  /** Upper bound on steps (and conflict retries) in one run. Default 6. */
  maxSteps?: number;
}

export interface RotateResult {
  /** The steps taken, in order; the last one is a `wait` unless maxSteps or dryRun stopped the run. */
  steps: RotationStep[];
  /** How many times a concurrent change made this run re-read the Secret. */
  conflicts: number;
}

/** The Secret change that carries out `step` (pure; exported for tests). */
export function changeFor(step: RotationStep, secret: KeySecret, now: Date, newKey: () => string): SecretChange {
  const at = now.toISOString();
  switch (step.kind) {
    case 'publish':
      return { set: new Map([[NEXT, newKey()]]), annotations: { [ANNOTATIONS.nextPublishedAt]: at } };
    case 'promote':
      return {
        set: new Map([
          [ACTIVE, secret.files.get(NEXT)!],
          [step.retiredFile, secret.files.get(ACTIVE)!],
        ]),
        remove: [NEXT],
        annotations: { [ANNOTATIONS.activeSince]: at, [ANNOTATIONS.retiredAt]: at, [ANNOTATIONS.nextPublishedAt]: null },
      };
    case 'drop':
      return { remove: step.files, annotations: { [ANNOTATIONS.retiredAt]: null } };
    case 'mark':
      return { annotations: { [step.annotation]: at } };
    case 'wait':
      throw new TypeError('a wait step changes nothing');
  }
}

/**
 * Runs the rotation: read the Secret, plan, apply with the read resourceVersion, repeat until the
 * plan says wait. A conflict (another run changed the Secret first) re-reads and re-plans, which
 * is safe because every step is decided from the Secret's own state: the loser sees the winner's
 * result and finds nothing left to do.
 */
export async function rotateKeys(store: SecretStore, options: RotateOptions): Promise<RotateResult> {
  const maxSteps = options.maxSteps ?? 6;
  const steps: RotationStep[] = [];
  let conflicts = 0;
  for (let i = 0; i < maxSteps; i++) {
    const secret = await store.read();
    if (!secret) throw new KubernetesApiError(404, `${store.ref} does not exist: create it with \`pico-auth keys init --secret NAME\` (a Secret) or \`pico-auth keys generate --dir DIR\` (a folder)`);
    const now = options.clock();
    const pems = [...secret.files.keys()].filter((f) => f.endsWith('.pem'));
    const step = planRotation({ files: pems, annotations: secret.annotations }, options.policy, now, options.force === true && !steps.some((s) => s.kind === 'publish'));
    if (step.kind === 'wait' || options.dryRun) {
      steps.push(step);
      break;
    }
    // A new key keeps the active key's algorithm unless told otherwise (tokens' alg stays stable).
    const alg = options.algorithm ?? (await parseKeyEntry(ACTIVE, secret.files.get(ACTIVE)!, 'active')).alg;
    const change = changeFor(step, secret, now, () => options.generateKey(alg));
    try {
      await store.update(change, secret.resourceVersion);
      steps.push(step);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      conflicts++;
    }
  }
  return { steps, conflicts };
}
