import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, type V1Container, type V1Job, type V1JobCondition, type V1PodSpec } from '@kubernetes/client-node';
import type { ControlPlane } from './harness.js';
import { run } from './tools.js';

/** What one emulated Job pod did. */
export interface JobRun {
  job: string;
  serviceAccount: string;
  /** Whether the pod would have had API credentials (automountServiceAccountToken). */
  hadToken: boolean;
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Stands in for the Job controller and the kubelet, which the test control plane lacks: every
 * Job that appears in the namespace (e.g. a Helm hook, which Helm waits for) gets its container
 * command run on this machine, as the pod would run it: with the pod's environment, the Job's
 * ServiceAccount credentials (a TokenRequest token, as the kubelet would mount) and its namespace,
 * and our CLI in place of the image's copy. The Job's status is then set Complete or Failed the
 * way the Job controller sets it, so Helm sees the result.
 */
export class JobRunner {
  readonly runs: JobRun[] = [];
  private readonly seen = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cp: ControlPlane,
    private readonly namespace: string,
    /** Absolute path of our built CLI (dist/cli/main.js). */
    private readonly cliPath: string,
  ) {}

  start(): this {
    this.loop = this.poll();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async poll(): Promise<void> {
    const batch = this.cp.adminConfig().makeApiClient(BatchV1Api);
    while (!this.stopped) {
      const jobs = await batch.listNamespacedJob({ namespace: this.namespace }).catch(() => undefined);
      for (const job of jobs?.items ?? []) {
        const uid = job.metadata?.uid ?? '';
        if (this.seen.has(uid) || (job.status?.conditions ?? []).length > 0) continue;
        this.seen.add(uid);
        // Recorded, not thrown: the test's assertion message shows it instead of helm timing out blind.
        await this.execute(batch, job).catch((err: unknown) =>
          this.runs.push({ job: job.metadata?.name ?? '', serviceAccount: '', hadToken: false, argv: [], code: -2, stdout: '', stderr: `emulating the Job failed: ${String(err)}` }),
        );
      }
      await sleep(200);
    }
  }

  private async execute(batch: BatchV1Api, job: V1Job): Promise<void> {
    const name = job.metadata?.name ?? '';
    const start = new Date();
    const result = await this.runPod(job).catch(
      (err: unknown): JobRun => ({ job: name, serviceAccount: '', hadToken: false, argv: [], code: -1, stdout: '', stderr: String(err) }),
    );
    this.runs.push(result);
    const current = await batch.readNamespacedJob({ name, namespace: this.namespace });
    const now = new Date(Math.max(Date.now(), start.getTime() + 1000));
    const cond = (type: string): V1JobCondition => ({ type, status: 'True', lastProbeTime: now, lastTransitionTime: now });
    current.status =
      result.code === 0
        ? { startTime: start, completionTime: now, succeeded: 1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }
        : { startTime: start, failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] };
    await batch.replaceNamespacedJobStatus({ name, namespace: this.namespace, body: current });
  }

  private runPod(job: V1Job): Promise<JobRun> {
    const pod = job.spec?.template.spec;
    if (!pod) throw new Error(`Job ${job.metadata?.name} has no pod template`);
    return runPodSpec(this.cp, this.namespace, this.cliPath, job.metadata?.name ?? '', pod);
  }
}

/**
 * Runs a pod's containers here, as the kubelet would run them: init containers in order, then the
 * containers (one after another), each with its environment, the pod's ServiceAccount token (when
 * the pod mounts one) and namespace in a kubeconfig, and our CLI for the image's. `node` adds
 * Node.js options and `env` variables to every container (the tests' fake clock).
 */
export async function runPodSpec(
  cp: ControlPlane,
  namespace: string,
  cliPath: string,
  podName: string,
  pod: V1PodSpec,
  extra: { node?: string[]; env?: Record<string, string> } = {},
): Promise<JobRun> {
  const sa = pod.serviceAccountName ?? 'default';
  const core = cp.adminConfig().makeApiClient(CoreV1Api);
  const account = await core.readNamespacedServiceAccount({ name: sa, namespace });
  const hadToken = pod.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
  const kubeconfig = hadToken
    ? cp.writeTokenKubeconfig(`pod-${podName}`, await cp.serviceAccountToken(namespace, sa), namespace)
    : join(cp.dir, 'nonexistent.kubeconfig');
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  let last: JobRun | undefined;
  for (const container of containers) {
    const argv = cliArgv(container, cliPath, extra.node ?? []);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: mkdtempSync(join(cp.dir, 'home-')),
      KUBECONFIG: kubeconfig,
      ...containerEnv(container, namespace, podName, sa),
      ...extra.env,
    };
    const [file, ...args] = argv;
    const res = await run(file ?? '', args, { env, timeoutMs: 60_000 });
    last = { job: podName, serviceAccount: sa, hadToken, argv, ...res };
    if (res.code !== 0) break;
  }
  if (!last) throw new Error(`pod ${podName} has no containers`);
  return last;
}

/** The container's command with the image's CLI (`node dist/cli/main.js` or the bin) mapped to ours. */
function cliArgv(container: V1Container, cliPath: string, nodeOptions: string[]): string[] {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv.length === 0) throw new Error(`container ${container.name} relies on the image's entrypoint; give it a command`);
  const cliAt = argv.findIndex((a) => /(^|\/)dist\/cli\/main\.js$/.test(a) || /(^|\/)pico-auth-keys$/.test(a));
  if (cliAt < 0) throw new Error(`container ${container.name} does not run our CLI: ${argv.join(' ')}`);
  return [process.execPath, ...nodeOptions, cliPath, ...argv.slice(cliAt + 1)];
}

/** The container's environment: literal values and the downward-API fields a pod would get. */
function containerEnv(container: V1Container, namespace: string, podName: string, sa: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath;
      const values: Record<string, string> = { 'metadata.namespace': namespace, 'metadata.name': `${podName}-emulated`, 'spec.serviceAccountName': sa };
      const v = values[field];
      if (v === undefined) throw new Error(`env ${e.name}: fieldRef ${field} is not emulated`);
      out[e.name] = v;
    } else if (e.valueFrom) throw new Error(`env ${e.name}: only literal values and fieldRef are emulated`);
  }
  return out;
}
