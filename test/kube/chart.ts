import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { assertHelmVersion } from '../helpers/helm-version.js';
import type { ControlPlane } from './harness.js';
import { getJson, requestJson } from './inventory.js';
import { repoRoot, type RunResult, run } from './tools.js';

export const chartDir = join(repoRoot, 'helm', 'pico-auth');
/** The Prometheus Operator CRDs, shipped as test fixtures (versions in their README). */
export const crdDir = join(repoRoot, 'test', 'fixtures', 'k8s-crds');

/** Runs helm against the control plane as the admin identity (after checking its version, once). */
export async function helm(helmBin: string, cp: ControlPlane, args: string[]): Promise<RunResult> {
  await assertHelmVersion(helmBin);
  return run(helmBin, [...args, '--kubeconfig', cp.kubeconfigPath], {
    // helm keeps caches and repository config under HOME-derived folders: keep them in the test's dir.
    env: { ...process.env, HELM_CACHE_HOME: join(cp.dir, 'helm-cache'), HELM_CONFIG_HOME: join(cp.dir, 'helm-config'), HELM_DATA_HOME: join(cp.dir, 'helm-data') },
    timeoutMs: 180_000,
  });
}

/** Every Kubernetes object in a multi-document YAML stream (helm's rendered manifests). */
export function parseObjects(yamlText: string): KubernetesObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && !!o.kind);
}

/** The chart's CI value sets (helm/pico-auth/ci/*.yaml), by file name. */
export function ciValueFiles(): string[] {
  const dir = join(chartDir, 'ci');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
}

/** Installs the Prometheus Operator CRDs (as raw JSON: see requestJson) and waits until served. */
export async function installCrds(kc: KubeConfig): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const names: string[] = [];
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    for (const crd of parseObjects(readFileSync(join(crdDir, file), 'utf8'))) {
      const [status, body] = await requestJson(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      if (status !== 201) throw new Error(`creating CRD ${crd.metadata?.name}: ${status} ${JSON.stringify(body).slice(0, 600)}`);
      names.push(crd.metadata?.name ?? '');
    }
  }
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      const version = crd.spec.versions.find((v) => v.served)?.name;
      const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      // Established comes before the resource's storage is ready to list (429 meanwhile).
      if (established && (await getJson(kc, `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`))[0] === 200) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established`);
      await sleep(100);
    }
  }
  return names;
}

/**
 * Sends every object to the API server with dryRun=All: full validation (schemas, CRD schemas,
 * CEL rules) and admission, nothing stored. Returns the failures as `Kind/name: message`.
 */
export async function dryRunCreate(kc: KubeConfig, namespace: string, objects: KubernetesObject[]): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const failures: string[] = [];
  for (const obj of objects) {
    const spec = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata?.namespace ?? namespace } };
    try {
      await api.create(spec, undefined, 'All');
    } catch (err) {
      failures.push(`${obj.kind}/${obj.metadata?.name}: ${errorBody(err)}`);
    }
  }
  return failures;
}

/** Reads an object back; undefined when the API answers 404. */
export async function readObject(kc: KubeConfig, namespace: string, obj: KubernetesObject): Promise<KubernetesObject | undefined> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  try {
    return await api.read({
      apiVersion: obj.apiVersion ?? '',
      kind: obj.kind ?? '',
      metadata: { name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace ?? namespace },
    });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The API server's Status message in a client-node error, for assertion messages. */
export function errorBody(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
  return `${e.code ?? ''} ${body ?? e.message ?? String(err)}`.slice(0, 600);
}

/**
 * Compiles src/ (the same tsc run as `npm run build`) into a folder of the suite's own under
 * .ci/out, so that a concurrent `npm run build` elsewhere never swaps dist/ under our feet.
 * Returns the CLI's path (the image runs `node dist/cli/main.js`).
 */
export async function buildCli(): Promise<string> {
  const outDir = join(repoRoot, '.ci', 'out', 'kube-dist');
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  rmSync(outDir, { recursive: true, force: true });
  // Type errors are the typecheck step's to report (npm test runs it); tsc still emits.
  const res = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { timeoutMs: 300_000 });
  const cli = join(outDir, 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`the build made no ${cli}:\n${res.stdout}\n${res.stderr}`);
  return cli;
}
