import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, ciValueSets, crdDir, helm, KUBE_VERSION, kubectlValidate, renderText, repoRoot, skipWithout, validateRun } from './tools.js';

/**
 * Every object the chart renders (default values and each ci/ value set) and every plain manifest
 * under k8s/base, validated by kubectl-validate against the pinned Kubernetes version's schemas,
 * with the Prometheus Operator CRDs from test/fixtures/k8s-crds for ServiceMonitor and PrometheusRule.
 */
const validateArgs = (path: string) => [path, '--version', KUBE_VERSION, '--local-crds', crdDir, '--output', 'json'];

describe.skipIf(skipWithout({ helm, 'kubectl-validate': kubectlValidate }))('kubectl-validate', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pico-helm-render-'));
    const sets = ['default', ...ciValueSets];
    const texts = await Promise.all(sets.map((f) => renderText(f === 'default' ? {} : { valuesFiles: [join(chartDir, 'ci', f)] })));
    sets.forEach((f, i) => writeFileSync(join(dir, `${f.replace(/\.yaml$/, '')}.yaml`), texts[i]!));
  }, 180_000);

  it('accepts every rendered object of every value set', { timeout: 180_000 }, async () => {
    expect(readdirSync(dir)).toHaveLength(ciValueSets.length + 1);
    const r = await validateRun(validateArgs(dir));
    const report = JSON.parse(r.stdout || '{}') as Record<string, unknown>;
    // One entry per file; each a list of per-object results, null/empty when valid.
    const failures = Object.entries(report).filter(([, v]) => Array.isArray(v) ? v.some((x) => x && (x as { status?: string }).status === 'Failure') : v !== null && typeof v === 'object' && (v as { status?: string }).status === 'Failure');
    expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('accepts the plain manifests of k8s/base', { timeout: 120_000 }, async () => {
    const base = join(repoRoot, 'k8s/base');
    const files = readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').map((f) => join(base, f));
    expect(files.length).toBeGreaterThan(10);
    const r = await validateRun([...files, '--version', KUBE_VERSION, '--local-crds', crdDir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('rejects a wrong object (the validator and the CRDs are really in use)', { timeout: 120_000 }, async () => {
    const bad = mkdtempSync(join(tmpdir(), 'pico-helm-bad-'));
    writeFileSync(
      join(bad, 'bad.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: x}',
        'spec: {replicas: "two", selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}',
        '---',
        'apiVersion: monitoring.coreos.com/v1',
        'kind: ServiceMonitor',
        'metadata: {name: x}',
        'spec: {endpoints: [{port: metrics, interval: "often"}], selector: {}}',
        '',
      ].join('\n'),
    );
    const r = await validateRun(validateArgs(bad));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/replicas/);
    expect(r.stdout + r.stderr).toMatch(/interval/);
  });
});
