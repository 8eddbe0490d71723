import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

// No Docker engine here: these read the Dockerfile for the properties the issue requires, and
// runtime-stage.test.ts replays the runtime stage's steps.
const root = resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(resolve(root, '.dockerignore'), 'utf8');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, grouped by stage. */
function parse(text: string): { args: Map<string, string>; stages: Stage[] } {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [k, v = ''] = rest.split('=');
      args.set(k!.trim(), v.trim());
    } else if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      const from = m[1]!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
      stages.push({ from, name: m[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: upper, args: rest });
    }
  }
  return { args, stages };
}

const { stages } = parse(dockerfile);
const runtime = stages.at(-1)!;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

describe('Dockerfile', () => {
  it('is multi-stage: a build stage with dev dependencies, a production-only install, a runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
    const build = stages[0]!;
    expect(ops(build, 'RUN').some((r) => /npm ci(?!.*--omit=dev)/.test(r.args))).toBe(true);
    expect(ops(build, 'RUN').some((r) => /npm run build/.test(r.args))).toBe(true);
    expect(ops(stages[1]!, 'RUN').some((r) => /npm ci .*--omit=dev/.test(r.args))).toBe(true);
    // The runtime stage takes node_modules from prod-deps (never from build) and dist from build.
    const copies = ops(runtime, 'COPY').map((c) => c.args);
    expect(copies.some((c) => /--from=prod-deps\b.*node_modules/.test(c))).toBe(true);
    expect(copies.some((c) => /--from=build\b.*dist/.test(c))).toBe(true);
    expect(copies.some((c) => /--from=build\b.*node_modules/.test(c))).toBe(false);
  });

  it('uses Node 24 LTS in every stage', () => {
    for (const s of stages) expect(s.from).toMatch(/^node:24[-.]/);
  });

  it('runs as a non-root user, under tini, the auth service by default', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(['root', '0']).not.toContain(user);
    expect(ops(runtime, 'ENTRYPOINT').at(-1)?.args).toMatch(/^\["\/usr\/bin\/tini",\s*"--"\]$/);
    expect(ops(runtime, 'RUN').some((r) => /apt-get install .*\btini\b/.test(r.args))).toBe(true);
    expect(ops(runtime, 'CMD').at(-1)?.args).toBe('["node", "--max-semi-space-size=16", "--max-old-space-size=256", "dist/bundle/server.mjs"]');
    // Two glibc malloc arenas (the memory request is sized with it), inherited by the chart and k8s/.
    expect(ops(runtime, 'ENV').map((e) => e.args).join(' ')).toMatch(/\bMALLOC_ARENA_MAX=2\b/);
    for (const file of ['helm/pico-auth/templates/deployment.yaml', 'k8s/base/deployment-pico-auth.yaml']) {
      expect(readFileSync(join(root, file), 'utf8'), file).not.toMatch(/MALLOC_ARENA_MAX/);
    }
  });

  it('copies every file `npm run build` reads into the build stage', () => {
    const build = stages[0]!;
    const copied = ops(build, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.build!;
    const files = [...script.matchAll(/(?:-p |node )(\S+)/g)].map((m) => m[1]!);
    expect(files).toEqual(['tsconfig.build.json', 'tsconfig.web.json', 'scripts/bundle.mjs']);
    for (const f of [...files, 'tsconfig.json']) expect(copied.some((c) => c === f || f.startsWith(c.replace(/\/?$/, '/')))).toBe(true);
  });

  it('the chart and the plain manifests run the command the image runs, V8 flags included', () => {
    // The memory request is sized for these flags: a young generation capped at 2 x 16 MB and the
    // old generation V8 gives a pod of <= 512 MiB wherever the process runs.
    const cmd = JSON.parse(ops(runtime, 'CMD').at(-1)!.args) as string[];
    expect(cmd).toEqual(['node', '--max-semi-space-size=16', '--max-old-space-size=256', 'dist/bundle/server.mjs']);
    const chart = readFileSync(join(root, 'helm/pico-auth/templates/deployment.yaml'), 'utf8');
    const chartArgs = /^\s+args: (\[.*\])$/m.exec(chart)?.[1];
    expect(chartArgs && (JSON.parse(chartArgs) as string[])).toEqual(cmd);
    const manifest = parseYaml(readFileSync(join(root, 'k8s/base/deployment-pico-auth.yaml'), 'utf8')) as {
      spec: { template: { spec: { containers: { name: string; args?: string[] }[] } } };
    };
    expect(manifest.spec.template.spec.containers.find((c) => c.name === 'pico-auth')?.args).toEqual(cmd);
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe(cmd.join(' '));
  });

  it('writes nothing outside /tmp at run time: app files root-owned, no VOLUME, no writable workdir', () => {
    expect(ops(runtime, 'VOLUME')).toHaveLength(0);
    for (const c of ops(runtime, 'COPY')) expect(c.args).toMatch(/--chown=root:root/);
    // Nothing after USER changes files (every RUN happens as root, before the switch).
    const idx = runtime.instructions.findIndex((i) => i.op === 'USER');
    expect(runtime.instructions.slice(idx).filter((i) => i.op === 'RUN' || i.op === 'COPY')).toHaveLength(0);
    expect(ops(runtime, 'ENV').map((e) => e.args).join(' ')).toMatch(/NODE_ENV=production/);
  });

  it('ships the CLI as pico-auth-keys', () => {
    expect(ops(runtime, 'RUN').some((r) => /ln -s \/app\/dist\/cli\/main\.js \/usr\/local\/bin\/pico-auth-keys/.test(r.args))).toBe(true);
  });
});

describe('.dockerignore', () => {
  it('admits only the sources the build needs (never node_modules, dist, .git, secrets or keys)', () => {
    const lines = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(allowed.sort()).toEqual(['package-lock.json', 'package.json', 'scripts/bundle.mjs', 'src/**', 'tsconfig.build.json', 'tsconfig.json', 'tsconfig.web.json']);
  });
});
