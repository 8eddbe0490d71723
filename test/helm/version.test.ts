import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, helm, one, render, repoRoot, skipWithout } from './tools.js';

/**
 * The chart ships the image of the package it comes from: Chart.yaml's appVersion (the default
 * image tag), the example overlay's tag and the generated k8s/base follow package.json's version
 * (scripts/chart-version.mjs, npm's `version` hook).
 */
const run = promisify(execFile);
const script = join(repoRoot, 'scripts/chart-version.mjs');
const pkgVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('chart and image version', () => {
  it('Chart.yaml appVersion, the example overlay tag and the k8s/base images are the package version', () => {
    expect((parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion).toBe(pkgVersion);
    const overlay = parse(readFileSync(join(repoRoot, 'k8s/overlays/example/kustomization.yaml'), 'utf8')) as { images: { newTag: string }[] };
    expect(overlay.images[0]!.newTag).toBe(pkgVersion);
    const base = readFileSync(join(repoRoot, 'k8s/base/deployment-pico-auth.yaml'), 'utf8');
    expect(base).toContain(`image: ghcr.io/pico-platform/pico-server-auth:${pkgVersion}`);
  });

  it.skipIf(skipWithout({ helm }))('the chart runs that image by default (every pod), and labels it', async () => {
    const objs = await render();
    const d = one(objs, 'Deployment', 'rel-pico-auth');
    expect(d.spec.template.spec.containers[0].image).toBe(`ghcr.io/pico-platform/pico-server-auth:${pkgVersion}`);
    expect(d.metadata.labels!['app.kubernetes.io/version']).toBe(pkgVersion);
    expect(one(objs, 'Job', 'rel-pico-auth-keys-init').spec.template.spec.containers[0].image).toBe(d.spec.template.spec.containers[0].image);
  });

  it('chart-version.mjs --check fails on drift, and the write mode (npm version hook) brings both files back', async () => {
    expect((await run(process.execPath, [script, '--check'])).stderr).toBe('');
    // A copy of the three files, with the package bumped as `npm version minor` would.
    const root = mkdtempSync(join(tmpdir(), 'pico-version-'));
    for (const f of ['package.json', 'helm/pico-auth/Chart.yaml', 'k8s/overlays/example/kustomization.yaml']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      cpSync(join(repoRoot, f), join(root, f));
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    pkg.version = '9.8.7';
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg));
    const drift = await run(process.execPath, [script, '--check', root]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(drift?.code).toBe(1);
    expect(drift?.stderr).toMatch(/9\.8\.7.*helm\/pico-auth\/Chart\.yaml.*k8s\/overlays\/example\/kustomization\.yaml/);
    await run(process.execPath, [script, root]);
    await run(process.execPath, [script, '--check', root]);
    expect((parse(readFileSync(join(root, 'helm/pico-auth/Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion).toBe('9.8.7');
    expect(readFileSync(join(root, 'k8s/overlays/example/kustomization.yaml'), 'utf8')).toContain('newTag: "9.8.7"');
  });

  it('package.json runs it as the `version` hook', () => {
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.version).toMatch(/^node scripts\/chart-version\.mjs && git add helm\/pico-auth\/Chart\.yaml k8s\/overlays\/example\/kustomization\.yaml$/);
  });
});
