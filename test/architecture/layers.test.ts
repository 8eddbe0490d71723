import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md, checked on the source: route -> service -> store, events ->
 * audit/metrics. Reads every import and export-from (static and dynamic) of src/ and resolves
 * relative ones to files, so a rule covers re-exports too. test/client/isolation.test.ts checks
 * what the client loads at run time; this checks what the server's layers import.
 */
const SRC = resolve(import.meta.dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  /** As written. */
  spec: string;
  /** src-relative path of the file it resolves to, for relative specifiers. */
  target?: string;
}

export function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/require\)?\(import\.meta\.url\)\('([^']+)'\)/g)].map((m) => m[1]!),
  ];
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return { spec };
    const ts = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    return { spec, target: existsSync(ts) ? relative(SRC, ts) : relative(SRC, resolve(dirname(file), spec)) };
  });
}

const layer = (prefix: string) => filesUnder(join(SRC, prefix)).map((f) => ({ file: relative(SRC, f), imports: importsOf(f) }));
const violations = (files: ReturnType<typeof layer>, bad: (i: Import) => boolean) =>
  files.flatMap(({ file, imports }) => imports.filter(bad).map((i) => `${file} imports ${i.spec}`));
const isPackage = (...names: string[]) => (i: Import) => !i.target && names.some((n) => i.spec === n || i.spec.startsWith(`${n}/`));
const isUnder = (...dirs: string[]) => (i: Import) => i.target !== undefined && dirs.some((d) => i.target!.startsWith(d));

describe('server layering', () => {
  it('sees the imports it checks (positive control)', () => {
    const index = importsOf(join(SRC, 'server/routes/index.ts'));
    expect(index.map((i) => i.target)).toContain('server/routes/challenge.ts');
    expect(violations(layer('server/stores/redis'), isPackage('ioredis')).length + violations(layer('server/stores/redis'), isUnder('server/redis/')).length).toBeGreaterThan(0);
    expect(violations(layer('server/routes'), isPackage('express')).length).toBeGreaterThan(0);
  });

  it('routes never reach a store, Redis or ioredis directly (they call the sessions service and the audit)', () => {
    const routes = layer('server/routes');
    expect(violations(routes, isPackage('ioredis', 'rate-limiter-flexible'))).toEqual([]);
    expect(violations(routes, isUnder('server/stores/redis/', 'server/stores/memory/', 'server/redis/', 'server/stores/index.ts'))).toEqual([]);
  });

  it('stores never import Express, routes, middleware, sessions or the audit', () => {
    const stores = layer('server/stores');
    expect(violations(stores, isPackage('express', 'cors'))).toEqual([]);
    expect(violations(stores, isUnder('server/routes/', 'server/middleware/', 'server/sessions/', 'server/audit/', 'server/app.ts', 'server/service.ts'))).toEqual([]);
  });

  it('the sessions service and the audit know no HTTP and no Redis: only the store interfaces', () => {
    for (const dir of ['server/sessions', 'server/audit']) {
      const files = layer(dir);
      expect(violations(files, isPackage('express', 'cors', 'ioredis', 'prom-client', 'rate-limiter-flexible'))).toEqual([]);
      expect(violations(files, isUnder('server/routes/', 'server/middleware/', 'server/stores/redis/', 'server/stores/memory/', 'server/redis/', 'server/metrics/', 'server/app.ts', 'server/service.ts'))).toEqual([]);
    }
  });

  it('the server never reads the clock itself: time comes from the injected Clock', () => {
    const offenders = filesUnder(join(SRC, 'server'))
      .filter((f) => !f.endsWith('clock.ts'))
      .filter((f) => /\bDate\.now\b|new Date\(\)/.test(readFileSync(f, 'utf8').replace(/^\s*(\*|\/\/).*$/gm, '')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });

  it('the client never imports the server (nor the CLI, the sample or the web page)', () => {
    expect(violations(layer('client'), isUnder('server/', 'cli/', 'sample/', 'web/'))).toEqual([]);
  });
});
