import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { findHelm, kubeVersion, repoRoot, run, type RunResult } from '../kube/tools.js';
import { imagesDir, loadImages, type NodeImages } from './images.js';

/**
 * A single-node Kubernetes cluster on this machine for the duration of a test file:
 * tools/node/up.sh boots etcd, kube-apiserver, controller-manager, scheduler, containerd + runc,
 * a kubelet registered as `pico-node`, kube-proxy and CoreDNS (every process by PID), and
 * tools/node/down.sh stops them and undoes what they changed on the host. stop() then compares
 * the host with the snapshot taken before start() and returns every difference.
 */
export class NodeCluster {
  static readonly NODE = 'pico-node';
  readonly api = 'https://198.18.0.1:6443';
  readonly kubeconfigPath: string;
  readonly images: NodeImages;
  /** Seconds up.sh took, cold containerd and all. */
  bootSeconds = 0;

  private constructor(
    readonly dir: string,
    readonly bins: string,
    readonly helmBin: string,
    private readonly before: HostSnapshot,
  ) {
    this.kubeconfigPath = join(dir, 'etc', 'admin.kubeconfig');
    this.images = loadImages();
  }

  /** Why the suite cannot run here (in CI that is a failure, see requireNode), or undefined. */
  static missing(): string | undefined {
    if (process.getuid?.() !== 0) return 'the node suite needs root (mounts, a bridge, iptables)';
    const bins = binDir();
    const need = ['etcd', 'kube-apiserver', 'kubelet', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'];
    const absent = need.filter((b) => !existsSync(join(bins, b)));
    if (!existsSync(bins) || !readdirSync(bins).some((f) => f.startsWith('coredns-'))) absent.push('coredns');
    if (absent.length) return `missing ${absent.join(', ')} in ${bins}: run tools/kube/build.sh and tools/kube/build-node.sh`;
    for (const tool of ['containerd', 'runc', 'ctr', 'iptables-save', 'jq', 'openssl']) {
      if (!onPath(tool)) return `missing ${tool}: source .ci/setup.d/50-node.sh`;
    }
    if (!existsSync('/usr/lib/cni/bridge')) return 'missing the CNI plugins (/usr/lib/cni): source .ci/setup.d/50-node.sh';
    if (!findHelm()) return 'missing helm: source .ci/setup.d/30-k8s-tools.sh';
    if (!existsSync(join(imagesDir(), 'images.env'))) return `no images in ${imagesDir()}: run tools/node/images.sh`;
    return undefined;
  }

  static async start(): Promise<NodeCluster> {
    const reason = NodeCluster.missing();
    if (reason) throw new Error(reason);
    const before = snapshotHost();
    if (before.links.includes('piconode0')) throw new Error('bridge piconode0 exists: another node suite runs, or one was killed (run tools/node/down.sh on its state dir)');
    // Short path: containerd's sockets live under it (unix socket paths are limited to 108 bytes).
    const dir = mkdtempSync('/tmp/pico-node-');
    const cluster = new NodeCluster(dir, binDir(), findHelm()!, before);
    const t0 = Date.now();
    const up = await run('bash', [join(repoRoot, 'tools/node/up.sh'), dir, cluster.bins, imagesDir()], { timeoutMs: 600_000 });
    cluster.bootSeconds = (Date.now() - t0) / 1000;
    if (up.code !== 0) {
      const logs = cluster.logs();
      await cluster.stop().catch(() => undefined);
      throw new Error(`tools/node/up.sh failed (${up.code})\n${up.stderr.slice(-3000)}\n${logs}`);
    }
    console.log(`[node] ${up.stderr.trim().split('\n').join('\n[node] ')}`);
    return cluster;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  core(): CoreV1Api {
    return this.kubeConfig().makeApiClient(CoreV1Api);
  }

  /** helm as the admin, with its caches in the state dir. */
  helm(args: string[], timeoutMs = 420_000): Promise<RunResult> {
    return run(this.helmBin, [...args, '--kubeconfig', this.kubeconfigPath], {
      env: { ...process.env, HELM_CACHE_HOME: join(this.dir, 'helm/cache'), HELM_CONFIG_HOME: join(this.dir, 'helm/config'), HELM_DATA_HOME: join(this.dir, 'helm/data') },
      timeoutMs,
    });
  }

  /** The last lines of every component's log, for a failing test's message. */
  logs(max = 1500): string {
    const dir = join(this.dir, 'logs');
    if (!existsSync(dir)) return '';
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(-max)}`)
      .join('\n');
  }

  /**
   * Stops everything (down.sh) and returns how the host differs from before start(): an empty
   * list when it is as it was. Deletes the state dir unless PICO_NODE_KEEP is set.
   */
  async stop(): Promise<string[]> {
    const down = await run('bash', [join(repoRoot, 'tools/node/down.sh'), this.dir, this.bins], { timeoutMs: 300_000 });
    if (down.code !== 0) console.warn(`[node] down.sh exited ${down.code}: ${down.stderr.slice(-2000)}`);
    else console.log(`[node] ${down.stderr.trim()}`);
    const pids = readdirSync(join(this.dir, 'pid')).filter((f) => f.endsWith('.pid'));
    const diffs = diffHost(this.before, snapshotHost());
    for (const p of pids) diffs.push(`process not stopped: ${p}`);
    if (!process.env.PICO_NODE_KEEP) rmSync(this.dir, { recursive: true, force: true });
    return diffs;
  }
}

function binDir(): string {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'pico-server-auth');
  return process.env.PICO_KUBE_BIN_DIR || join(cache, 'kube', kubeVersion());
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, tool)));
}

/** What the node may change on the host (tools/node/host-state.sh lists the same sysctls and folders). */
interface HostSnapshot {
  iptables: string[];
  sysctls: Record<string, string>;
  links: string[];
  routes: string[];
  mounts: string[];
  netns: string[];
  dirs: string[];
}

const SYSCTLS = readFileSync(join(repoRoot, 'tools/node/host-state.sh'), 'utf8')
  .match(/SYSCTLS="([^"]*)"/)![1]!
  .split(/\s+/)
  .filter(Boolean);
const HOST_DIRS = readFileSync(join(repoRoot, 'tools/node/host-state.sh'), 'utf8')
  .match(/HOST_DIRS="([^"]*)"/)![1]!
  .split(/\s+/)
  .filter(Boolean);

const sh = (file: string, args: string[]) => {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

export function snapshotHost(): HostSnapshot {
  return {
    // rules and chains, without packet counters and the dump's comment lines
    iptables: ['iptables-save', 'ip6tables-save'].flatMap((save) =>
      sh(save, [])
        .split('\n')
        // Rules, policies and chains. Not the table headers, nor built-in chains left empty with
        // an ACCEPT policy: with iptables-nft a table a tool once touched stays listed, though it
        // filters nothing (there is no iptables command to drop it).
        .filter((l) => l && !l.startsWith('#') && !l.startsWith('*') && l !== 'COMMIT')
        .filter((l) => !/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT /.test(l))
        .map((l) => `${save}: ${l.replace(/\[\d+:\d+\]/g, '')}`),
    ),
    sysctls: Object.fromEntries(SYSCTLS.map((k) => [k, sh('sysctl', ['-n', k]).trim()])),
    links: sh('ip', ['-o', 'link', 'show']).split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim().split('@')[0]!),
    routes: sh('ip', ['route', 'show']).split('\n').filter(Boolean),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[4]!),
    netns: existsSync('/run/netns') ? readdirSync('/run/netns') : [],
    dirs: HOST_DIRS.filter((d) => existsSync(d)),
  };
}

export function diffHost(a: HostSnapshot, b: HostSnapshot): string[] {
  const out: string[] = [];
  const list = (what: string, x: string[], y: string[]) => {
    for (const v of y) if (!x.includes(v)) out.push(`${what} added: ${v}`);
    for (const v of x) if (!y.includes(v)) out.push(`${what} removed: ${v}`);
  };
  list('iptables', a.iptables, b.iptables);
  list('link', a.links, b.links);
  list('route', a.routes, b.routes);
  list('mount', a.mounts, b.mounts);
  list('netns', a.netns, b.netns);
  list('dir', a.dirs, b.dirs);
  for (const [k, v] of Object.entries(a.sysctls)) if (b.sysctls[k] !== v) out.push(`sysctl ${k}: ${v} -> ${b.sysctls[k]}`);
  return out;
}
