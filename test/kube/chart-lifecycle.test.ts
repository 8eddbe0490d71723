import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { AppsV1Api, BatchV1Api, CoreV1Api, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, chartDir, ciValueFiles, dryRunCreate, helm, installCrds, parseObjects, readObject } from './chart.js';
import { compromisedKeyProcedure } from './compromised-key.js';
import { ControlPlane } from './harness.js';
import { added, inventory } from './inventory.js';
import { JobRunner } from './job-runner.js';
import { rbacChecks } from './rbac.js';
import { rotationCycle } from './rotation.js';
import { assertHelmVersion } from '../helpers/helm-version.js';
import { findHelm, findKubeBinaries, kubeVersion, missingToolReason } from './tools.js';

const bins = findKubeBinaries();
const helmBin = findHelm();
const skipReason = missingToolReason({ 'kube-apiserver and etcd': bins?.apiserver, helm: helmBin });

// Each step is a few helm or CLI runs against a local API server; generous for a loaded 2-core CI.
const STEP_TIMEOUT_MS = 240_000;
const NS = 'pico';
const RELEASE = 'pico-auth';
// The full-featured install: sample API, rotation CronJob, ServiceMonitor, PrometheusRule, dashboard.
const INSTALL_VALUES = ['sample-values.yaml', 'monitoring-values.yaml'];

/**
 * The auth chart's life on a real kube-apiserver (see docs/kube-tests.md): install with the key
 * hook Job's work done by our CLI under the Job's own ServiceAccount, RBAC of the rotation
 * ServiceAccount, a full rotation cycle as the CronJob runs it, upgrade, uninstall. The steps share
 * one release and run in order, like an operator's day.
 */
describe.skipIf(skipReason)('pico-auth chart on a real Kubernetes API server', () => {
  let cp: ControlPlane;
  let cli: string;
  let before: Set<string>;
  let keySecretName = '';
  let secretAfterRotation: V1Secret;

  beforeAll(async () => {
    if (!bins || !helmBin) throw new Error('unreachable: skipped without tools');
    await assertHelmVersion(helmBin);
    const [plane, built] = await Promise.all([ControlPlane.start(bins), buildCli()]);
    cp = plane;
    cli = built;
    await installCrds(cp.adminConfig());
    await cp.ensureNamespace(NS);
    before = await inventory(cp.adminConfig(), NS);
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  });

  const core = () => cp.adminConfig().makeApiClient(CoreV1Api);
  const valuesArgs = INSTALL_VALUES.flatMap((f) => ['--values', join(chartDir, 'ci', f)]);

  it('installs: every object accepted, the key hook Job done by our CLI with its own ServiceAccount', async () => {
    const runner = new JobRunner(cp, NS, cli).start();
    const res = await helm(helmBin!, cp, ['install', RELEASE, chartDir, '--namespace', NS, ...valuesArgs, '--timeout', '120s']);
    await runner.stop();
    expect(res.code, `helm install failed:\n${res.stderr}\njobs: ${JSON.stringify(runner.runs, null, 2)}`).toBe(0);

    // The pre-install hook ran `keys init` as its own ServiceAccount, with an API token.
    expect(runner.runs).toHaveLength(1);
    const hook = runner.runs[0]!;
    expect(hook, hook.stderr).toMatchObject({ code: 0, hadToken: true, job: `${RELEASE}-keys-init`, serviceAccount: `${RELEASE}-keys-init` });
    expect(hook.argv.slice(2, 4)).toEqual(['keys', 'init']);
    keySecretName = hook.argv[hook.argv.indexOf('--secret') + 1] ?? '';
    expect(keySecretName).toBe(`${RELEASE}-keys`);

    // Every object of the release's manifest is stored, of every kind the values turn on.
    const manifest = parseObjects((await helm(helmBin!, cp, ['get', 'manifest', RELEASE, '-n', NS])).stdout);
    const kinds = new Set(manifest.map((o) => o.kind));
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding', 'CronJob', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']) {
      expect(kinds, `rendered kinds: ${[...kinds].join(', ')}`).toContain(kind);
    }
    // The sample downstream API is part of this install (ci/sample-values.yaml).
    expect(manifest.filter((o) => o.kind === 'Deployment').map((o) => o.metadata?.name)).toContain(`${RELEASE}-sample`);
    for (const obj of manifest) {
      expect(await readObject(cp.adminConfig(), NS, obj), `${obj.kind}/${obj.metadata?.name} missing`).toBeDefined();
    }

    // The key Secret: made by the CLI (not Helm), a parseable PKCS#8 key of the chart's default algorithm.
    const secret = await core().readNamespacedSecret({ name: keySecretName, namespace: NS });
    expect(Object.keys(secret.data ?? {})).toEqual(['active.pem']);
    const key = createPrivateKey(Buffer.from(secret.data!['active.pem']!, 'base64').toString('utf8'));
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(secret.metadata?.labels?.['app.kubernetes.io/instance']).toBe(RELEASE);
    expect(secret.metadata?.labels?.['app.kubernetes.io/managed-by']).not.toBe('Helm');

    // hook-succeeded: the hook's Job, ServiceAccount, Role and RoleBinding are gone.
    const leftovers = [...(await inventory(cp.adminConfig(), NS))].filter((x) => x.includes('keys-init'));
    expect(leftovers).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it('RBAC: the rotation ServiceAccount may get and patch its one Secret, and nothing else', async () => {
    await rbacChecks(cp, NS, `${RELEASE}-keys-rotation`, keySecretName);
  }, STEP_TIMEOUT_MS);

  it('rotation: keys rotate as the CronJob runs it, a full cycle on a fake clock', async () => {
    const cronJob = await cp.adminConfig().makeApiClient(BatchV1Api).readNamespacedCronJob({ name: `${RELEASE}-keys-rotation`, namespace: NS });
    secretAfterRotation = await rotationCycle(cp, NS, cronJob, cli, keySecretName);
  }, STEP_TIMEOUT_MS);

  it('upgrade with changed values keeps the key Secret byte for byte', async () => {
    const before = await core().readNamespacedSecret({ name: keySecretName, namespace: NS });
    expect(before.metadata?.resourceVersion).toBe(secretAfterRotation.metadata?.resourceVersion);
    const runner = new JobRunner(cp, NS, cli).start();
    const res = await helm(helmBin!, cp, [
      'upgrade', RELEASE, chartDir, '--namespace', NS, ...valuesArgs,
      '--set', 'replicaCount=3', '--set', 'config.logLevel=debug', '--set', 'keys.generate.algorithm=ES256',
      '--timeout', '120s',
    ]);
    await runner.stop();
    expect(res.code, `helm upgrade failed:\n${res.stderr}\njobs: ${JSON.stringify(runner.runs, null, 2)}`).toBe(0);

    // The pre-upgrade hook ran `keys init` again; the Secret existed, so it did nothing.
    expect(runner.runs.map((r) => [r.job, r.code])).toEqual([[`${RELEASE}-keys-init`, 0]]);
    const after = await core().readNamespacedSecret({ name: keySecretName, namespace: NS });
    expect(after.data).toEqual(before.data);
    expect(after.metadata?.annotations).toEqual(before.metadata?.annotations);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);

    // The changed values did reach the cluster.
    const deploy = await cp.adminConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ name: RELEASE, namespace: NS });
    expect(deploy.spec?.replicas).toBe(3);
    const status = JSON.parse((await helm(helmBin!, cp, ['status', RELEASE, '-n', NS, '-o', 'json'])).stdout) as { version: number };
    expect(status.version).toBe(2);
  }, STEP_TIMEOUT_MS);

  it('compromised key: keys emergency-rotate, as the rotation ServiceAccount, removes it from the JWKS at once', async () => {
    const cronJob = await cp.adminConfig().makeApiClient(BatchV1Api).readNamespacedCronJob({ name: `${RELEASE}-keys-rotation`, namespace: NS });
    await compromisedKeyProcedure(cp, NS, cronJob, cli, keySecretName, cp.kubeconfigPath);
  }, STEP_TIMEOUT_MS);

  it('uninstall leaves nothing behind but the key Secret and the bundled Redis\'s data claim', async () => {
    const res = await helm(helmBin!, cp, ['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '60s']);
    expect(res.code, res.stderr).toBe(0);
    const after = await inventory(cp.adminConfig(), NS);
    // Cluster-scoped objects too: the CRDs were there before the install, nothing else is new. The
    // claim is kept (helm.sh/resource-policy: keep) like the keys: a reinstall keeps the revocations
    // of the tokens those keys still validate.
    expect(added(before, after).sort()).toEqual([`PersistentVolumeClaim core ${NS}/${RELEASE}-redis`, `Secret core ${NS}/${keySecretName}`]);
    expect([...before].filter((x) => !after.has(x))).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it('every CI value set renders objects that validation and admission accept (server-side dry run)', async () => {
    const ns = 'pico-dry-run';
    await cp.ensureNamespace(ns);
    const files = ciValueFiles();
    expect(files.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const file of files) {
      const rendered = await helm(helmBin!, cp, [
        'template', RELEASE, chartDir, '--namespace', ns, '--values', join(chartDir, 'ci', file),
        '--api-versions', 'monitoring.coreos.com/v1', '--kube-version', kubeVersion(),
      ]);
      expect(rendered.code, `${file}: ${rendered.stderr}`).toBe(0);
      const objects = parseObjects(rendered.stdout);
      // Pods are admitted only when their ServiceAccount exists: store those first, for real.
      const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
      for (const sa of accounts) {
        if (!(await readObject(cp.adminConfig(), ns, sa))) await core().createNamespacedServiceAccount({ namespace: ns, body: sa as KubernetesObject });
      }
      const rest = objects.filter((o) => o.kind !== 'ServiceAccount');
      failures.push(...(await dryRunCreate(cp.adminConfig(), ns, rest)).map((f) => `${file}: ${f}`));
    }
    expect(failures).toEqual([]);
  }, STEP_TIMEOUT_MS);
});
