import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { ConflictError, KubernetesApiError, type KeySecret, type SecretChange, type SecretStore } from './types.js';

const IN_CLUSTER_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const IN_CLUSTER_NAMESPACE_FILE = `${IN_CLUSTER_SERVICE_ACCOUNT_DIR}/namespace`;

export interface KubeTarget {
  /** Path of a kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount. */
  kubeconfig?: string;
  /** kubeconfig context to use instead of the current one. */
  context?: string;
  /** Namespace; default: the context's, then the pod's own (in-cluster), then `default`. */
  namespace?: string;
}

/** Neither a kubeconfig nor an in-cluster ServiceAccount: says where it looked and what to do. */
export class KubeConfigNotFoundError extends Error {
  readonly code = 'no_kubeconfig';
  constructor(looked: string[]) {
    super(
      `no kubeconfig or in-cluster service account found. Looked at:\n${looked.map((l) => `  - ${l}`).join('\n')}\n` +
        'Pass --kubeconfig FILE (or set KUBECONFIG), run inside a pod with a ServiceAccount token, ' +
        'or use --dir DIR for a local key folder.',
    );
    this.name = 'KubeConfigNotFoundError';
  }
}

/**
 * Loads credentials the way kubectl does: --kubeconfig, else $KUBECONFIG (its existing files),
 * else ~/.kube/config, else the pod's ServiceAccount. Unlike the client library's loadFromDefault,
 * it never falls back to an unauthenticated http://localhost:8080, whose failure ("HTTP protocol is
 * not allowed...") says nothing about the real problem.
 */
export function loadKubeConfig(target: KubeTarget, env: NodeJS.ProcessEnv = process.env, rootPrefix = ''): KubeConfig {
  const kc = new KubeConfig();
  const looked: string[] = [];
  if (target.kubeconfig) {
    if (!existsSync(target.kubeconfig)) throw new Error(`--kubeconfig ${target.kubeconfig}: no such file`);
    kc.loadFromFile(target.kubeconfig);
  } else if (loadFromEnvList(kc, env.KUBECONFIG, looked)) {
    // loaded from $KUBECONFIG
  } else {
    const home = env.HOME || homedir();
    const file = join(home, '.kube', 'config');
    // rootPrefix: a fake filesystem root for tests (the client library takes the same prefix).
    const token = join(rootPrefix, IN_CLUSTER_SERVICE_ACCOUNT_DIR, 'token');
    if (existsSync(file)) kc.loadFromFile(file);
    else if (existsSync(token) && env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster(rootPrefix);
    else {
      looked.push(`${file} (${existsSync(home) ? 'no such file' : `home folder ${home} does not exist`})`);
      looked.push(`in-cluster ServiceAccount: ${existsSync(token) ? 'token present' : `no ${token}`}, ${env.KUBERNETES_SERVICE_HOST ? `KUBERNETES_SERVICE_HOST=${env.KUBERNETES_SERVICE_HOST}` : 'KUBERNETES_SERVICE_HOST unset'}`);
      throw new KubeConfigNotFoundError(looked);
    }
  }
  if (target.context) kc.setCurrentContext(target.context);
  return kc;
}

/** Loads the existing files of a $KUBECONFIG list (kubectl skips missing ones); false when none exists. */
function loadFromEnvList(kc: KubeConfig, list: string | undefined, looked: string[]): boolean {
  if (!list) {
    looked.push('$KUBECONFIG (unset)');
    return false;
  }
  const files = list.split(delimiter).filter(Boolean);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    looked.push(`$KUBECONFIG=${list} (${files.length === 1 ? 'no such file' : 'none of these files exists'})`);
    return false;
  }
  kc.loadFromFile(present[0]!);
  for (const file of present.slice(1)) {
    const more = new KubeConfig();
    more.loadFromFile(file);
    kc.mergeConfig(more);
  }
  return true;
}

export function resolveNamespace(kc: KubeConfig, target: KubeTarget): string {
  if (target.namespace) return target.namespace;
  const fromContext = kc.getContextObject(kc.getCurrentContext())?.namespace;
  if (fromContext) return fromContext;
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function decode(secret: V1Secret): Map<string, string> {
  const files = new Map<string, string>();
  for (const [k, v] of Object.entries(secret.data ?? {})) files.set(k, Buffer.from(v, 'base64').toString('utf8'));
  // stringData never comes back from the server, but a hand-made object may carry it.
  for (const [k, v] of Object.entries(secret.stringData ?? {})) files.set(k, v);
  return files;
}

/** Turns client errors into ours, keeping the API server's own message (it says which permission is missing). */
function translate(err: unknown, ref: string): Error {
  if (err instanceof ApiException) {
    const body = err.body as { message?: string } | string | undefined;
    const detail = typeof body === 'string' ? safeMessage(body) : body?.message;
    if (err.code === 409) return new ConflictError(ref);
    return new KubernetesApiError(err.code, `${ref}: HTTP ${err.code}${detail ? `: ${detail}` : ''}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

function safeMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message;
  } catch {
    return body.slice(0, 300) || undefined;
  }
}

/**
 * The key Secret on a Kubernetes API server: get, create and JSON-merge-patch of ONE Secret by
 * name (exactly what the rotation Role grants). Patches carry metadata.resourceVersion, so the API
 * server rejects one that was planned on a stale read with 409.
 */
export class KubernetesSecretStore implements SecretStore {
  readonly ref: string;
  readonly #api: CoreV1Api;

  constructor(
    api: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.#api = api;
    this.ref = `Secret ${namespace}/${name}`;
  }

  static fromKubeConfig(kc: KubeConfig, namespace: string, name: string): KubernetesSecretStore {
    return new KubernetesSecretStore(kc.makeApiClient(CoreV1Api), namespace, name);
  }

  async read(): Promise<KeySecret | null> {
    let secret: V1Secret;
    try {
      secret = await this.#api.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return null;
      throw translate(err, this.ref);
    }
    return {
      name: this.name,
      namespace: this.namespace,
      resourceVersion: secret.metadata?.resourceVersion ?? '',
      files: decode(secret),
      annotations: { ...(secret.metadata?.annotations ?? {}) },
    };
  }

  async create(files: Map<string, string>, annotations: Record<string, string>, labels: Record<string, string>): Promise<'created' | 'exists'> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, annotations, labels },
      type: 'Opaque',
      data: Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
    };
    try {
      await this.#api.createNamespacedSecret({ namespace: this.namespace, body });
      return 'created';
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return 'exists';
      throw translate(err, this.ref);
    }
  }

  async update(change: SecretChange, resourceVersion: string): Promise<void> {
    // RFC 7386 merge patch: null removes a key. resourceVersion makes it conditional.
    const data: Record<string, string | null> = {};
    for (const [k, v] of change.set ?? []) data[k] = Buffer.from(v, 'utf8').toString('base64');
    for (const k of change.remove ?? []) data[k] = null;
    const body = {
      metadata: { resourceVersion, ...(change.annotations ? { annotations: change.annotations } : {}) },
      ...(Object.keys(data).length ? { data } : {}),
    };
    try {
      await this.#api.patchNamespacedSecret(
        { name: this.name, namespace: this.namespace, body, fieldManager: 'pico-auth-keys' },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      throw translate(err, this.ref);
    }
  }
}
