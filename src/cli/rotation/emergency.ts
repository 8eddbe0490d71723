import { parseKeyEntry, type SigningAlgorithm } from '../../server/keys/key-entry.js';
import { ConflictError, KubernetesApiError, type SecretChange, type SecretStore } from '../k8s/types.js';
import { ACTIVE, ANNOTATIONS, NEXT } from './plan.js';

/**
 * The compromised-key procedure: the active key stops signing AND stops being published, at once,
 * without the rotation's waits (they protect tokens the key signed; those are exactly what must
 * now fail). `next.pem` is promoted when there is one (verifiers may already have it); otherwise a
 * new key signs. Retired keys stay: they are not compromised. One conditional write (the Secret's
 * resourceVersion, or the directory's lock and digest), retried on a concurrent change.
 */
export interface EmergencyOptions {
  clock: () => Date;
  generateKey: (alg: SigningAlgorithm) => string;
  /** Algorithm of a new key; default: the compromised key's. */
  algorithm?: SigningAlgorithm;
  /** Report, change nothing. */
  dryRun?: boolean;
  maxAttempts?: number;
}

export interface EmergencyResult {
  /** kid of the key that was active: no longer published. */
  compromisedKid: string;
  /** kid of the key that signs now. */
  activeKid: string;
  /** Where the new active key came from. */
  source: 'next' | 'new';
  conflicts: number;
}

export const COMPROMISED_AT = 'pico-auth/compromised-key-removed-at';

export async function emergencyRotate(store: SecretStore, options: EmergencyOptions): Promise<EmergencyResult> {
  let conflicts = 0;
  for (let attempt = 0; attempt < (options.maxAttempts ?? 5); attempt++) {
    const secret = await store.read();
    if (!secret) throw new KubernetesApiError(404, `${store.ref} does not exist`);
    const activePem = secret.files.get(ACTIVE);
    if (!activePem) throw new Error(`${store.ref} has no ${ACTIVE}: nothing is signing, nothing to retire`);
    const compromised = await parseKeyEntry(ACTIVE, activePem, 'active');
    const nextPem = secret.files.get(NEXT);
    const newPem = nextPem ?? options.generateKey(options.algorithm ?? compromised.alg);
    const fresh = await parseKeyEntry(ACTIVE, newPem, 'active');
    if (fresh.kid === compromised.kid) throw new Error(`${NEXT} holds the same key as ${ACTIVE}; remove it and run again to sign with a new key`);
    const at = options.clock().toISOString();
    const change: SecretChange = {
      set: new Map([[ACTIVE, newPem]]),
      remove: nextPem ? [NEXT] : [],
      annotations: { [ANNOTATIONS.activeSince]: at, [ANNOTATIONS.nextPublishedAt]: null, [COMPROMISED_AT]: at },
    };
    const result: EmergencyResult = { compromisedKid: compromised.kid, activeKid: fresh.kid, source: nextPem ? 'next' : 'new', conflicts };
    if (options.dryRun) return result;
    try {
      await store.update(change, secret.resourceVersion);
      return result;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      conflicts++;
    }
  }
  throw new Error(`${store.ref} kept changing under this command (${conflicts} conflicts); run it again`);
}
