import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { assertHelmVersion } from '../helpers/helm-version.js';

/**
 * Shared by the chart tests: finds the pinned helm and kubectl-validate (on PATH, or where
 * .ci/setup.d/30-k8s-tools.sh caches them), renders the chart, parses what it renders.
 */
export const repoRoot = resolve(import.meta.dirname, '../..');
export const chartDir = join(repoRoot, 'helm/pico-auth');
/** The Kubernetes version the chart is rendered for and validated against (kubectl-validate's newest built-in schemas). */
export const KUBE_VERSION = '1.30';
/** The Prometheus Operator CRDs, shipped as test fixtures (versions in their README). */
export const crdDir = join(repoRoot, 'test/fixtures/k8s-crds');

const run = promisify(execFile);

function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pico-server-auth/k8s-tools');
  if (!existsSync(cache)) return undefined;
  for (const sub of readdirSync(cache).filter((d) => d.startsWith(`${name}-`)).sort().reverse()) {
    if (existsSync(join(cache, sub, name))) return join(cache, sub, name);
  }
  return undefined;
}

export const helm = findTool('helm');
export const kubectlValidate = findTool('kubectl-validate');
/** Built by .ci/setup.d/35-kustomize.sh (test/k8s/kustomize.test.ts). */
export const kustomize = findTool('kustomize');

/**
 * Whether a suite needing `tools` must be skipped: only outside CI, loudly. In CI a missing tool
 * is a failure (the suite runs and its first call throws).
 */
export function skipWithout(tools: Record<string, string | undefined>): boolean {
  const missing = Object.entries(tools).filter(([, path]) => !path).map(([name]) => name);
  if (missing.length === 0) return false;
  if (process.env.CI) return false;
  console.warn(`\n[helm tests] SKIPPED: ${missing.join(', ')} not found. Run \`source .ci/setup.d/30-k8s-tools.sh\` (helm, kubectl-validate) or \`source .ci/setup.d/35-kustomize.sh\` (kustomize) to build the pinned versions (CI always runs these tests).\n`);
  return true;
}

function need(tool: string | undefined, name: string): string {
  if (!tool) throw new Error(`${name} is not installed: .ci/setup.d/30-k8s-tools.sh must build it`);
  return tool;
}

/** helm, once its version is checked (the pinned 3.x or newer: see test/helpers/helm-version.ts). */
async function needHelm(): Promise<string> {
  const path = need(helm, 'helm');
  await assertHelmVersion(path);
  return path;
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: Record<string, string | number | boolean>;
  /** Serve the Prometheus Operator API (as a cluster with its CRDs would). Default true. */
  monitoringApi?: boolean;
}

function templateArgs(opts: RenderOptions): string[] {
  const args = ['template', 'rel', chartDir, '--namespace', 'auth', '--kube-version', `${KUBE_VERSION}.0`];
  if (opts.monitoringApi !== false) args.push('--api-versions', 'monitoring.coreos.com/v1');
  for (const f of opts.valuesFiles ?? []) args.push('-f', f);
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push('--set', `${k}=${v}`);
  return args;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** `helm template` output as text. */
export async function renderText(opts: RenderOptions = {}): Promise<string> {
  const { stdout } = await run(await needHelm(), templateArgs(opts), { maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

const renders = new Map<string, Promise<string>>();

/** `helm template` output as objects (each document parsed with the yaml package); renders are cached per options. */
export async function render(opts: RenderOptions = {}): Promise<K8sObject[]> {
  const key = JSON.stringify(opts);
  if (!renders.has(key)) renders.set(key, renderText(opts));
  const docs = parseAllDocuments(await renders.get(key)!);
  for (const d of docs) if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as K8sObject).filter((o) => o && typeof o === 'object');
}

/** The error output of a `helm template` that must fail. */
export async function renderError(opts: RenderOptions): Promise<string> {
  const helmPath = await needHelm();
  try {
    await run(helmPath, templateArgs(opts));
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`helm template succeeded with ${JSON.stringify(opts)}; it must fail`);
}

export async function helmRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const helmPath = await needHelm();
  try {
    const { stdout, stderr } = await run(helmPath, args, { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export async function validateRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(need(kubectlValidate, 'kubectl-validate'), args, { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const ciValueSets = readdirSync(join(chartDir, 'ci')).filter((f) => f.endsWith('.yaml')).sort();

export const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
export const one = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objs.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
};

/** Pod specs of every workload (Deployment, Job, CronJob, Pod). */
export function podSpecs(objs: K8sObject[]): { owner: string; spec: any }[] {
  const out: { owner: string; spec: any }[] = [];
  for (const o of objs) {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Deployment' || o.kind === 'Job') out.push({ owner, spec: o.spec.template.spec });
    else if (o.kind === 'CronJob') out.push({ owner, spec: o.spec.jobTemplate.spec.template.spec });
    else if (o.kind === 'Pod') out.push({ owner, spec: o.spec });
  }
  return out;
}

/**
 * The NOTES.txt `helm install` would print for `opts`. `helm template` skips NOTES.txt and a client
 * dry-run install still calls the cluster, so a copy of the chart renders it as a ConfigMap (tpl of
 * the same file, with the same helpers and values).
 */
export async function renderNotes(opts: RenderOptions = {}): Promise<string> {
  const copy = join(mkdtempSync(join(tmpdir(), 'pico-notes-')), 'pico-auth');
  cpSync(chartDir, copy, { recursive: true });
  copyFileSync(join(copy, 'templates/NOTES.txt'), join(copy, 'files/NOTES.txt'));
  writeFileSync(
    join(copy, 'templates/zz-notes.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "files/NOTES.txt") . | quote }}\n',
  );
  const args = templateArgs(opts);
  args[2] = copy;
  const { stdout } = await run(need(helm, 'helm'), [...args, '--show-only', 'templates/zz-notes.yaml'], { maxBuffer: 32 * 1024 * 1024 });
  return (parseAllDocuments(stdout)[0]!.toJS() as { data: { notes: string } }).data.notes;
}
