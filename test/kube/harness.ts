import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../helpers/redis-server.js';
import { runOk, type KubeBinaries } from './tools.js';

/** How long etcd plus kube-apiserver may take to become ready (cold start is ~10-20 s on 2 cores). */
const READY_TIMEOUT_MS = 90_000;

/**
 * A real Kubernetes control plane for the tests: etcd and kube-apiserver (built by
 * tools/kube/build.sh) on free loopback ports, with a throwaway CA, serving certificate,
 * admin client certificate (group system:masters) and service-account signing key, RBAC
 * authorization and the default admission plugins. No controller-manager, scheduler or
 * kubelet: nothing creates default ServiceAccounts, runs Jobs or starts Pods, so tests create
 * what those would (see ensureNamespace, and job-runner.ts for hook Jobs).
 */
export class ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** A kubeconfig for the admin identity (client certificate in group system:masters). */
  readonly kubeconfigPath: string;
  readonly dir: string;
  private readonly children: ChildProcess[];

  private constructor(dir: string, server: string, children: ChildProcess[]) {
    this.dir = dir;
    this.server = server;
    this.children = children;
    this.kubeconfigPath = join(dir, 'admin.kubeconfig');
  }

  static async start(bins: KubeBinaries): Promise<ControlPlane> {
    const dir = mkdtempSync(join(tmpdir(), 'pico-kube-'));
    const children: ChildProcess[] = [];
    try {
      await makePki(dir);
      const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
      const etcdUrl = `http://127.0.0.1:${etcdClient}`;
      const peerUrl = `http://127.0.0.1:${etcdPeer}`;
      children.push(
        spawnLogged(bins.etcd, join(dir, 'etcd.log'), [
          '--name=pico-test',
          `--data-dir=${join(dir, 'etcd-data')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=pico-test=${peerUrl}`,
          // Throwaway data: durability costs time and disk I/O the shared machine does not have.
          '--unsafe-no-fsync',
          '--log-level=warn',
        ]),
      );
      const server = `https://127.0.0.1:${securePort}`;
      children.push(
        spawnLogged(bins.apiserver, join(dir, 'apiserver.log'), [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${securePort}`,
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${join(dir, 'server.crt')}`,
          `--tls-private-key-file=${join(dir, 'server.key')}`,
          `--client-ca-file=${join(dir, 'ca.crt')}`,
          '--authorization-mode=RBAC',
          '--anonymous-auth=false',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          // Only an address range for Service objects; nothing routes to it.
          '--service-cluster-ip-range=10.96.0.0/24',
          // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation refuses.
          '--endpoint-reconciler-type=none',
          '--profiling=false',
          '--v=1',
        ]),
      );
      const cp = new ControlPlane(dir, server, children);
      writeFileSync(cp.kubeconfigPath, JSON.stringify(cp.kubeconfigObject({ admin: true }), null, 2), { mode: 0o600 });
      await cp.waitReady();
      return cp;
    } catch (err) {
      await stopAll(children);
      const logs = tail(join(dir, 'apiserver.log')) + tail(join(dir, 'etcd.log'));
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`control plane did not start: ${String(err)}\n${logs}`);
    }
  }

  /** A client for the admin identity. */
  adminConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** Writes a kubeconfig that authenticates with `token` (a ServiceAccount's) and returns its path. */
  writeTokenKubeconfig(name: string, token: string, namespace?: string): string {
    const path = join(this.dir, `${name}.kubeconfig`);
    writeFileSync(path, JSON.stringify(this.kubeconfigObject({ token, namespace }), null, 2), { mode: 0o600 });
    return path;
  }

  /**
   * Creates a namespace with the `default` ServiceAccount that the (absent) controller-manager
   * would add, so that the namespace looks like one in a real cluster.
   */
  async ensureNamespace(name: string): Promise<void> {
    const core = this.adminConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
  }

  /** A short-lived token for a ServiceAccount, from the TokenRequest API (as `kubectl create token`). */
  async serviceAccountToken(namespace: string, name: string): Promise<string> {
    const core = this.adminConfig().makeApiClient(CoreV1Api);
    const res = await core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const token = res.status?.token;
    if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
    return token;
  }

  async stop(): Promise<void> {
    await stopAll(this.children);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The API server's log so far, for a failing test's message. */
  apiserverLog(): string {
    return tail(join(this.dir, 'apiserver.log'));
  }

  private kubeconfigObject(user: { admin?: boolean; token?: string; namespace?: string | undefined }): object {
    const userEntry = user.admin
      ? {
          'client-certificate-data': b64(readFileSync(join(this.dir, 'admin.crt'))),
          'client-key-data': b64(readFileSync(join(this.dir, 'admin.key'))),
        }
      : { token: user.token };
    return {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'pico-test', cluster: { server: this.server, 'certificate-authority-data': b64(readFileSync(join(this.dir, 'ca.crt'))) } }],
      users: [{ name: 'user', user: userEntry }],
      contexts: [{ name: 'pico-test', context: { cluster: 'pico-test', user: 'user', ...(user.namespace ? { namespace: user.namespace } : {}) } }],
      'current-context': 'pico-test',
    };
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      for (const child of this.children) {
        if (child.exitCode !== null) throw new Error(`${String(child.spawnfile)} exited with ${child.exitCode}`);
      }
      last = await this.getReadyz().catch((err: unknown) => String(err));
      if (last === 'ok') return;
      await sleep(250);
    }
    throw new Error(`/readyz not ok after ${READY_TIMEOUT_MS} ms: ${last}`);
  }

  private getReadyz(): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const req = request(
        `${this.server}/readyz`,
        {
          ca: readFileSync(join(this.dir, 'ca.crt')),
          cert: readFileSync(join(this.dir, 'admin.crt')),
          key: readFileSync(join(this.dir, 'admin.key')),
          timeout: 2000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolvePromise(res.statusCode === 200 ? body.trim() : `${res.statusCode}: ${body.slice(0, 500)}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }
}

/** A CA, a serving cert for 127.0.0.1, an admin client cert, and the service-account key pair. */
async function makePki(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const at = (f: string) => join(dir, f);
  await runOk('openssl', ['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=pico-test-ca']);
  const leaf = async (name: string, subj: string, ext: string) => {
    writeFileSync(at(`${name}.ext`), ext);
    await runOk('openssl', ['req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', subj]);
    await runOk('openssl', ['x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2', '-out', at(`${name}.crt`), '-extfile', at(`${name}.ext`)]);
  };
  await leaf('server', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await leaf('admin', '/O=system:masters/CN=pico-test-admin', 'extendedKeyUsage=clientAuth\n');
  await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at('sa.key')]);
  await runOk('openssl', ['pkey', '-in', at('sa.key'), '-pubout', '-out', at('sa.pub')]);
}

function spawnLogged(bin: string, logPath: string, args: string[]): ChildProcess {
  const fd = openSync(logPath, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.on('error', () => undefined);
  return child;
}

/** Stops the API server before etcd (reverse start order), SIGKILL after 10 s. */
async function stopAll(children: ChildProcess[]): Promise<void> {
  for (const child of [...children].reverse()) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function tail(path: string, max = 4000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return `--- ${path} (last ${max} chars)\n${text.slice(-max)}\n`;
  } catch {
    return '';
  }
}

const b64 = (buf: Buffer) => buf.toString('base64');
