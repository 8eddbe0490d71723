import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { helm, podSpecs, repoRoot, skipWithout, type K8sObject } from '../helm/tools.js';

/**
 * k8s/base is generated from the chart (k8s/generate.mjs): it must be up to date, keep the chart's
 * guarantees, and the example overlay must only reference what the base has. (Schema validation of
 * every base object is in test/helm/validate.test.ts.)
 */
const run = promisify(execFile);
const base = join(repoRoot, 'k8s/base');
const overlay = join(repoRoot, 'k8s/overlays/example');
const objects: K8sObject[] = readdirSync(base)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(base, f), 'utf8')).map((d) => d.toJS() as K8sObject));

describe('k8s/ plain manifests', () => {
  it.skipIf(skipWithout({ helm }))('are what the chart renders (node k8s/generate.mjs --check)', { timeout: 120_000 }, async () => {
    await run(process.execPath, [join(repoRoot, 'k8s/generate.mjs'), '--check'], { env: { ...process.env, HELM: helm } });
  });

  it('list every file in the kustomization, and set no namespace (the overlay does)', () => {
    const k = parse(readFileSync(join(base, 'kustomization.yaml'), 'utf8')) as { resources: string[]; configMapGenerator: { envs: string[] }[] };
    expect(k.resources.sort()).toEqual(readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
    expect(k.configMapGenerator.flatMap((g) => g.envs)).toEqual(readdirSync(base).filter((f) => f.endsWith('.env')));
    for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
    expect(JSON.stringify(objects)).not.toMatch(/helm\.sh|app\.kubernetes\.io\/managed-by":"Helm/);
  });

  it('keep the guarantees: JWKS probes, key Secret as a directory, restricted pods, PDB, scoped rotation RBAC, no hooks', () => {
    const auth = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pico-auth')!;
    const c = auth.spec.template.spec.containers[0];
    for (const p of ['readinessProbe', 'startupProbe']) expect(c[p].httpGet.path).toBe('/api/v1/auth/jwks');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(auth.spec.template.spec.volumes.find((v: any) => v.name === 'keys').secret.secretName).toBe('pico-auth-keys');
    for (const { owner, spec } of podSpecs(objects)) {
      expect(spec.securityContext.runAsNonRoot, owner).toBe(true);
      for (const ct of spec.containers) {
        expect(ct.securityContext.readOnlyRootFilesystem, owner).toBe(true);
        expect(ct.securityContext.allowPrivilegeEscalation, owner).toBe(false);
        for (const m of ct.volumeMounts ?? []) expect(m.subPath, owner).toBeUndefined();
      }
    }
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(true);
    const role = objects.find((o) => o.kind === 'Role')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['pico-auth-keys'], verbs: ['get', 'patch'] }]);
    expect(objects.some((o) => o.metadata.annotations?.['helm.sh/hook'])).toBe(false);
    // The user makes the Redis password and the key Secret; no secret material is committed.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    // Short in-cluster names: they resolve in whatever namespace the overlay picks.
    const sample = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pico-auth-sample')!;
    expect(sample.spec.template.spec.containers[0].env).toContainEqual({ name: 'AUTH_CLIENT_JWKS_URL', value: 'http://pico-auth:8100/api/v1/auth/jwks' });
  });

  it('the example overlay patches only objects of the base, keeping issuer and sample in agreement', () => {
    const k = parse(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')) as {
      resources: string[]; patches: { path: string }[]; replicas: { name: string }[]; images: { name: string }[];
      configMapGenerator: { name: string; behavior: string; literals: string[] }[];
    };
    expect(k.resources).toEqual(['../../base']);
    const image = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pico-auth')!.spec.template.spec.containers[0].image as string;
    expect(image.startsWith(`${k.images[0]!.name}:`)).toBe(true);
    for (const r of k.replicas) expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === r.name)).toBe(true);
    const patches = k.patches.flatMap((p) => parseAllDocuments(readFileSync(join(overlay, p.path), 'utf8')).map((d) => d.toJS() as K8sObject));
    for (const p of patches) expect(objects.some((o) => o.kind === p.kind && o.metadata.name === p.metadata.name), `${p.kind}/${p.metadata.name}`).toBe(true);
    // Settings are merged into the base's generated ConfigMap (a patch of it would not roll the pods).
    expect(patches.filter((p) => p.kind === 'ConfigMap')).toEqual([]);
    const baseK = parse(readFileSync(join(base, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { name: string }[] };
    for (const g of k.configMapGenerator) {
      expect(g.behavior).toBe('merge');
      expect(baseK.configMapGenerator.map((b) => b.name)).toContain(g.name);
    }
    const issuer = k.configMapGenerator[0]!.literals.find((l) => l.startsWith('AUTH_ISSUER='))!.slice('AUTH_ISSUER='.length);
    const sampleIssuer = patches.find((p) => p.kind === 'Deployment')!.spec.template.spec.containers[0].env.find((e: any) => e.name === 'AUTH_CLIENT_ISSUER').value;
    expect(sampleIssuer).toBe(issuer);
  });
});
