import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, RedisServerProcess } from '../../helpers/redis-server.js';
import { waitUntil } from './cluster.js';

const run = promisify(execFile);

/** True when `bin` runs; CI must have every tool (the caller fails instead of skipping there). */
export async function haveTool(bin: string, args = ['--version']): Promise<boolean> {
  try {
    await run(bin, args, { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Debian's `redis-sentinel` is the redis-server binary started in sentinel mode. */
async function sentinelCommand(): Promise<[string, string[]]> {
  if (await haveTool('redis-sentinel')) return ['redis-sentinel', []];
  return ['redis-server', ['--sentinel']];
}

/** One command to a Redis or Sentinel on 127.0.0.1:`port`. */
export async function redisCommand(port: number, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

/** A primary, one replica and three Sentinels (quorum 2) on loopback, for the `mymaster` group. */
export class SentinelSet {
  readonly name = 'mymaster';
  readonly primary: RedisServerProcess;
  readonly replica: RedisServerProcess;
  readonly sentinelPorts: number[] = [];
  readonly #sentinels: ChildProcess[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'pico-sentinel-'));

  private constructor(primary: RedisServerProcess, replica: RedisServerProcess) {
    this.primary = primary;
    this.replica = replica;
  }

  static async start(): Promise<SentinelSet> {
    const primary = await RedisServerProcess.start();
    const replica = await RedisServerProcess.start(['--replicaof', '127.0.0.1', String(primary.port)]);
    const set = new SentinelSet(primary, replica);
    try {
      const [bin, pre] = await sentinelCommand();
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const conf = join(set.#dir, `sentinel-${i}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${set.#dir}`,
            `sentinel monitor ${set.name} 127.0.0.1 ${primary.port} 2`,
            `sentinel down-after-milliseconds ${set.name} 1000`,
            `sentinel failover-timeout ${set.name} 10000`,
            `sentinel parallel-syncs ${set.name} 1`,
            '',
          ].join('\n'),
        );
        const child = spawn(bin, [...pre, conf], { stdio: 'ignore' });
        child.on('error', () => undefined);
        set.#sentinels.push(child);
        set.sentinelPorts.push(port);
      }
      // Ready for a failover: the replica is in sync and every Sentinel knows it and the others.
      await waitUntil(async () => {
        try {
          const info = String(await redisCommand(replica.port, 'INFO', 'replication'));
          if (!info.includes('master_link_status:up')) return false;
          for (const port of set.sentinelPorts) {
            const replicas = (await redisCommand(port, 'SENTINEL', 'REPLICAS', set.name)) as string[][];
            const master = (await redisCommand(port, 'SENTINEL', 'MASTER', set.name)) as string[];
            const others = Number(master[master.indexOf('num-other-sentinels') + 1]);
            if (replicas.length !== 1 || others !== 2) return false;
          }
          return true;
        } catch {
          return false;
        }
      }, 30_000, 'Sentinels see the replica and each other');
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The port the Sentinels currently name as primary. */
  async masterPort(): Promise<number> {
    const addr = (await redisCommand(this.sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as string[];
    return Number(addr[1]);
  }

  async stop(): Promise<void> {
    for (const s of this.#sentinels) if (s.exitCode === null) s.kill('SIGKILL');
    await Promise.all([this.primary.stop(), this.replica.stop()]);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Three cluster-enabled masters on loopback, joined with `redis-cli --cluster create`. */
export class RedisClusterSet {
  readonly masters: RedisServerProcess[];

  private constructor(masters: RedisServerProcess[]) {
    this.masters = masters;
  }

  static async start(): Promise<RedisClusterSet> {
    const masters = await Promise.all(
      [0, 1, 2].map(() => RedisServerProcess.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])),
    );
    const set = new RedisClusterSet(masters);
    try {
      await run('redis-cli', ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-yes'], { timeout: 30_000 });
      await waitUntil(async () => {
        const infos = await Promise.all(masters.map((m) => redisCommand(m.port, 'CLUSTER', 'INFO').catch(() => '')));
        return infos.every((i) => String(i).includes('cluster_state:ok'));
      }, 30_000, 'cluster_state:ok on every master');
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  get nodes(): string {
    return this.masters.map((m) => `127.0.0.1:${m.port}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.masters.map((m) => m.stop()));
    for (const m of this.masters) rmSync(m.dir, { recursive: true, force: true });
  }
}
