import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUBE_VERSION, kubectlValidate, kustomize, repoRoot, skipWithout, validateRun, type K8sObject } from '../helm/tools.js';

/**
 * What `kubectl apply -k` would apply, built by the pinned kustomize (.ci/setup.d/35-kustomize.sh):
 * the settings ConfigMap is generated with a content hash in its name, so an overlay's settings
 * edit renames it, the auth Deployment's pod template follows, and the pods roll.
 */
const run = promisify(execFile);

async function build(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(kustomize!, ['build', dir], { maxBuffer: 32 << 20 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

const settingsMap = (objs: K8sObject[]) => {
  const maps = objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('pico-auth-'));
  expect(maps).toHaveLength(1);
  return maps[0]!;
};
const auth = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pico-auth')!;

describe.skipIf(skipWithout({ kustomize }))('kustomize build of k8s/', () => {
  it('the example overlay: a hash-named settings ConfigMap with the overlay issuer, referenced by the auth pods', { timeout: 60_000 }, async () => {
    const objs = await build(join(repoRoot, 'k8s/overlays/example'));
    const cm = settingsMap(objs);
    expect(cm.metadata.name).toMatch(/^pico-auth-[a-z0-9]{10}$/);
    expect(cm.metadata.namespace).toBe('auth');
    expect(cm.data.AUTH_ISSUER).toBe('https://auth.example.com');
    // The rest comes from the base, as the chart renders it.
    expect(cm.data).toMatchObject({ NODE_ENV: 'production', AUTH_KEYS_DIR: '/var/run/pico-auth/keys', REDIS_KEY_PREFIX: 'pico-auth:' });
    expect(cm.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'pico-auth', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'kustomize' });
    const d = auth(objs);
    expect(d.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: cm.metadata.name } }]);
    expect(d.spec.replicas).toBe(3);
    const sample = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pico-auth-sample')!;
    expect(sample.spec.template.spec.containers[0].env).toContainEqual({ name: 'AUTH_CLIENT_ISSUER', value: cm.data.AUTH_ISSUER });
  });

  it('changing a setting in the overlay renames the ConfigMap and changes the pod template (the pods roll)', { timeout: 60_000 }, async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pico-kustomize-'));
    cpSync(join(repoRoot, 'k8s'), join(copy, 'k8s'), { recursive: true });
    const overlay = join(copy, 'k8s/overlays/example');
    const before = await build(overlay);
    const file = join(overlay, 'kustomization.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('AUTH_ISSUER=https://auth.example.com');
    writeFileSync(file, text.replace('AUTH_ISSUER=https://auth.example.com', 'AUTH_ISSUER=https://login.example.com'));
    const after = await build(overlay);
    expect(settingsMap(after).data.AUTH_ISSUER).toBe('https://login.example.com');
    expect(settingsMap(after).metadata.name).not.toBe(settingsMap(before).metadata.name);
    const ref = (objs: K8sObject[]) => auth(objs).spec.template.spec.containers[0].envFrom[0].configMapRef.name;
    expect(ref(after)).toBe(settingsMap(after).metadata.name);
    expect(JSON.stringify(auth(after).spec.template)).not.toBe(JSON.stringify(auth(before).spec.template));
    // Nothing else of the auth Deployment changed: the new name is the whole difference.
    expect(JSON.stringify(auth(after).spec.template).replace(ref(after), ref(before))).toBe(JSON.stringify(auth(before).spec.template));
  });

  it.skipIf(skipWithout({ 'kubectl-validate': kubectlValidate }))('what the overlay applies passes kubectl-validate', { timeout: 120_000 }, async () => {
    const { stdout } = await run(kustomize!, ['build', join(repoRoot, 'k8s/overlays/example')], { maxBuffer: 32 << 20 });
    const dir = mkdtempSync(join(tmpdir(), 'pico-kustomize-validate-'));
    writeFileSync(join(dir, 'overlay.yaml'), stdout);
    const r = await validateRun([join(dir, 'overlay.yaml'), '--version', KUBE_VERSION]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('the base alone builds, with the generated ConfigMap and no plain one', { timeout: 60_000 }, async () => {
    const objs = await build(join(repoRoot, 'k8s/base'));
    expect(settingsMap(objs).data.AUTH_ISSUER).toBe('http://pico-auth:8100');
    expect(objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pico-auth')).toEqual([]);
    expect(auth(objs).spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(settingsMap(objs).metadata.name);
  });
});
