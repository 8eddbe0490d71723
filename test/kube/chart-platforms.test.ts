import { join } from 'node:path';
import { AppsV1Api, BatchV1Api, CoreV1Api, PolicyV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir, helm, installCrds, readObject } from './chart.js';
import { ControlPlane } from './harness.js';
import { added, inventory } from './inventory.js';
import { findHelm, findKubeBinaries, missingToolReason } from './tools.js';

const bins = findKubeBinaries();
const helmBin = findHelm();
const skipReason = missingToolReason({ 'kube-apiserver and etcd': bins?.apiserver, helm: helmBin });

const STEP_TIMEOUT_MS = 240_000;
const NS = 'platform';
const RELEASE = 'plat';
// ci/platform-values.yaml (tainted pool, mesh, GitOps Redis password, LoadBalancer, httpFrom,
// Operator API assumed), with the key Secret given, so no hook Job has to run.
const VALUES = ['--values', join(chartDir, 'ci', 'platform-values.yaml'), '--set', 'keys.existingSecret=plat-keys'];

/**
 * The platform install (issue 18) on a real kube-apiserver: the fields it relies on are stored as
 * rendered (an API server with the feature gate off would drop matchLabelKeys or
 * unhealthyPodEvictionPolicy silently), a second render changes nothing (no pod rolls), and
 * uninstall keeps the bundled Redis's data claim.
 */
describe.skipIf(skipReason)('pico-auth chart on real platforms, on a real Kubernetes API server', () => {
  let cp: ControlPlane;
  let before: Set<string>;

  beforeAll(async () => {
    if (!bins || !helmBin) throw new Error('unreachable: skipped without tools');
    cp = await ControlPlane.start(bins);
    await installCrds(cp.adminConfig());
    await cp.ensureNamespace(NS);
    before = await inventory(cp.adminConfig(), NS);
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  });

  const apps = () => cp.adminConfig().makeApiClient(AppsV1Api);

  it('installs, and the API server keeps every platform field as rendered', async () => {
    const res = await helm(helmBin!, cp, ['install', RELEASE, chartDir, '--namespace', NS, ...VALUES, '--timeout', '120s']);
    expect(res.code, res.stderr).toBe(0);

    const auth = await apps().readNamespacedDeployment({ name: `${RELEASE}-pico-auth`, namespace: NS });
    const pod = auth.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ pool: 'auth' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'auth', effect: 'NoSchedule' }]);
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.topologySpreadConstraints?.map((t) => t.matchLabelKeys)).toEqual([['pod-template-hash'], ['pod-template-hash']]);

    const pdb = await cp.adminConfig().makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: `${RELEASE}-pico-auth`, namespace: NS });
    expect(pdb.spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');

    const cron = await cp.adminConfig().makeApiClient(BatchV1Api).readNamespacedCronJob({ name: `${RELEASE}-pico-auth-keys-rotation`, namespace: NS });
    const jobPod = cron.spec!.jobTemplate.spec!.template;
    expect(jobPod.metadata?.labels?.['sidecar.istio.io/inject']).toBe('false');
    expect(jobPod.spec?.tolerations).toEqual(pod.tolerations);

    const redis = await apps().readNamespacedDeployment({ name: `${RELEASE}-pico-auth-redis`, namespace: NS });
    expect(redis.spec!.template.spec!.nodeSelector).toEqual({ pool: 'stateful' });
    expect(redis.spec!.template.spec!.containers[0]!.image).toMatch(/^docker\.io\/library\/redis@sha256:/);

    const core = cp.adminConfig().makeApiClient(CoreV1Api);
    const http = await core.readNamespacedService({ name: `${RELEASE}-pico-auth`, namespace: NS });
    expect(http.spec?.type).toBe('LoadBalancer');
    expect(http.spec?.ports?.map((p) => p.name)).toEqual(['http']);
    const metrics = await core.readNamespacedService({ name: `${RELEASE}-pico-auth-metrics`, namespace: NS });
    expect(metrics.spec?.type).toBe('ClusterIP');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: `${RELEASE}-pico-auth-redis`, namespace: NS });
    expect(pvc.spec?.storageClassName).toBe('fast-ssd');

    // Rendered without --api-versions (monitoring.assumeOperatorApi), stored with every field the
    // alerts rely on (a CRD prunes the fields its schema does not know).
    const sm = (await readObject(cp.adminConfig(), NS, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: `${RELEASE}-pico-auth` } })) as { spec: { podTargetLabels: string[]; selector: { matchLabels: Record<string, string> } } };
    expect(sm.spec.podTargetLabels).toEqual(['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component']);
    expect(sm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('metrics');
    const rule = (await readObject(cp.adminConfig(), NS, { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: `${RELEASE}-pico-auth` } })) as { spec: { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] } };
    const alerts = rule.spec.groups[0]!.rules;
    expect(alerts.map((r) => r.alert)).toContain('PicoAuthKeyRotationFailing');
    for (const r of alerts) expect(r.annotations.runbook_url, r.alert).toMatch(/\/docs\/runbooks\/pico-auth-[a-z0-9-]+\.md$/);
  }, STEP_TIMEOUT_MS);

  it('a second render of the same values (an Argo CD sync, a helm upgrade) rolls no pod', async () => {
    const generations = async () => Promise.all(['pico-auth', 'pico-auth-redis', 'pico-auth-sample'].map(async (n) => (await apps().readNamespacedDeployment({ name: `${RELEASE}-${n}`, namespace: NS })).metadata?.generation));
    const first = await generations();
    const res = await helm(helmBin!, cp, ['upgrade', RELEASE, chartDir, '--namespace', NS, ...VALUES, '--timeout', '120s']);
    expect(res.code, res.stderr).toBe(0);
    expect(await generations()).toEqual(first);
    // The measure can see a roll: a settings change does roll the auth pods (checksum/config), only them.
    const changed = await helm(helmBin!, cp, ['upgrade', RELEASE, chartDir, '--namespace', NS, ...VALUES, '--set', 'config.logLevel=debug', '--timeout', '120s']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(await generations()).toEqual([first[0]! + 1, first[1], first[2]]);
  }, STEP_TIMEOUT_MS);

  it('uninstall keeps the bundled Redis data claim and nothing else', async () => {
    const res = await helm(helmBin!, cp, ['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '60s']);
    expect(res.code, res.stderr).toBe(0);
    expect(added(before, await inventory(cp.adminConfig(), NS))).toEqual([`PersistentVolumeClaim core ${NS}/${RELEASE}-pico-auth-redis`]);
  }, STEP_TIMEOUT_MS);
});
