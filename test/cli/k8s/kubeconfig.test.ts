import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfigNotFoundError, loadKubeConfig } from '../../../src/cli/k8s/secret-store.js';
import { cli, tmp } from '../run-cli.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: keys-ns}}]
current-context: ctx
`;

describe('finding Kubernetes credentials', () => {
  it('without a kubeconfig or a ServiceAccount: says so, and where it looked (not an HTTP protocol error)', async () => {
    const home = tmp('pico-home-');
    const r = await cli(['keys', 'rotate', '--secret', 'pico-auth-keys'], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no kubeconfig or in-cluster service account found/);
    expect(r.stderr).toContain('$KUBECONFIG (unset)');
    expect(r.stderr).toContain(`${join(home, '.kube', 'config')} (no such file)`);
    expect(r.stderr).toMatch(/in-cluster ServiceAccount: no \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token, KUBERNETES_SERVICE_HOST unset/);
    expect(r.stderr).toMatch(/--kubeconfig FILE .* --dir DIR/);
    expect(r.stderr).not.toMatch(/HTTP protocol/);
  });

  it('names a $KUBECONFIG that points nowhere, and a --kubeconfig that does not exist', async () => {
    const home = tmp('pico-home-');
    const r = await cli(['keys', 'jwks', '--secret', 'k'], { env: { HOME: home, KUBECONFIG: '/nowhere/config' } });
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('$KUBECONFIG=/nowhere/config (no such file)') });
    const f = await cli(['keys', 'init', '--secret', 'k', '--kubeconfig', '/nowhere/kc'], { env: { HOME: home } });
    expect(f).toMatchObject({ code: 1, stderr: expect.stringContaining('--kubeconfig /nowhere/kc: no such file') });
  });

  it('uses $KUBECONFIG, else ~/.kube/config, else the in-cluster ServiceAccount', () => {
    const home = tmp('pico-home-');
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), KUBECONFIG);
    expect(loadKubeConfig({}, { HOME: home }).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');

    const other = join(tmp(), 'kc');
    writeFileSync(other, KUBECONFIG.replace('6443', '7443'));
    expect(loadKubeConfig({}, { HOME: home, KUBECONFIG: `/missing:${other}` }).getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');

    const root = tmp('pico-root-');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), '');
    const empty = tmp('pico-home-');
    expect(() => loadKubeConfig({}, { HOME: empty }, root)).toThrow(KubeConfigNotFoundError);
    const prev = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    // The client library reads the service address from process.env itself.
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      expect(loadKubeConfig({}, { HOME: empty, KUBERNETES_SERVICE_HOST: '10.96.0.1' }, root).getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
    } finally {
      if (prev.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = prev.host;
      if (prev.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = prev.port;
    }
  });
});
