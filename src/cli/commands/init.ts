import { generateKeyPem, type SigningAlgorithm } from '../../server/keys/index.js';
import type { SecretStore } from '../k8s/types.js';
import { ACTIVE, ANNOTATIONS } from '../rotation/plan.js';

export interface InitOptions {
  alg: SigningAlgorithm;
  labels?: Record<string, string>;
  now: Date;
}

/**
 * Creates the key Secret with a fresh `active.pem` if it does not exist. An existing Secret is
 * never touched (the create fails with 409 and that is the answer), so this is safe to run on
 * every install and upgrade: keys are generated once.
 */
export async function initKeySecret(store: SecretStore, options: InitOptions): Promise<'created' | 'exists'> {
  const files = new Map([[ACTIVE, generateKeyPem(options.alg)]]);
  const labels = { 'app.kubernetes.io/managed-by': 'pico-auth-keys', 'app.kubernetes.io/part-of': 'pico-auth', ...options.labels };
  return store.create(files, { [ANNOTATIONS.activeSince]: options.now.toISOString() }, labels);
}
