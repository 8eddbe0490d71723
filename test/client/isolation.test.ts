import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN = ['ioredis', 'prom-client', '@kubernetes/client-node', 'pino', 'rate-limiter-flexible', 'zod'];

/**
 * Loads the client entry points in a fresh Node process and lists every module it loaded: ES
 * modules through a resolve hook, CommonJS ones through require.cache. The positive control (a
 * client with metrics loads prom-client) proves the detector sees what it must.
 */
describe('the client loads no server-only dependency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pico-client-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  writeFileSync(join(dir, 'hooks.mjs'), `
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      port.postMessage(result.url);
      return result;
    }`);
  writeFileSync(join(dir, 'register.mjs'), `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    globalThis.__loaded = [];
    const waiting = new Map();
    port1.on('message', (url) => {
      globalThis.__loaded.push(url);
      waiting.get(url)?.();
    });
    port1.unref();
    // Resolves once the hook has reported \`url\`: the port delivers in order, so every module
    // resolved before it has been reported too. Bounded: a lost message fails, never hangs.
    globalThis.__reported = (url) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the resolve hook never reported ' + url)), 10000);
      waiting.set(url, () => (clearTimeout(timer), waiting.delete(url), resolve()));
    });
    register(${JSON.stringify(new URL(`file://${join(dir, 'hooks.mjs')}`).href)}, { data: { port: port2 }, transferList: [port2] });`);

  const loadedBy = (code: string): string[] => {
    const entry = join(dir, `entry-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(entry, `
      import { createRequire } from 'node:module';
      ${code}
      // A last import through the hook, after the code under test: once it is reported, all are.
      const marker = 'data:text/javascript,export%20default%20' + Date.now();
      const reported = globalThis.__reported(marker);
      await import(marker);
      await reported;
      const cjs = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify([...globalThis.__loaded, ...cjs]));`);
    const out = execFileSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--import', 'tsx', entry], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(out) as string[];
  };
  const packages = (urls: string[]) => new Set(urls.flatMap((u) => [...u.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1] as string)));

  it('index and testing entries: no forbidden package, no server module', () => {
    const urls = loadedBy(`
      const client = await import(${JSON.stringify(join(ROOT, 'src/client/index.ts'))});
      await import(${JSON.stringify(join(ROOT, 'src/client/testing.ts'))});
      client.createAuthClient({ issuer: 'https://a.example', audience: 'x' }).close();`);
    const loaded = packages(urls);
    expect(loaded.has('jose')).toBe(true);
    expect(loaded.has('express')).toBe(true);
    for (const name of FORBIDDEN) expect(loaded.has(name), `${name} was loaded`).toBe(false);
    expect(urls.filter((u) => u.includes('/src/server/'))).toEqual([]);
    expect(urls.some((u) => u.includes('/src/client/index.ts'))).toBe(true);
  });

  it('positive control: asking for metrics makes the client load prom-client itself', () => {
    // A registry stand-in (prom-client's metric constructors only call registerMetric), so nothing
    // but the client's own dynamic import can have loaded prom-client.
    const urls = loadedBy(`
      const registry = { registerMetric() {}, getSingleMetric() {} };
      const client = await import(${JSON.stringify(join(ROOT, 'src/client/index.ts'))});
      const c = client.createAuthClient({ issuer: 'https://a.example', audience: 'x', metrics: { registry } });
      await c.metricsRegistered;
      c.close();`);
    expect(packages(urls).has('prom-client')).toBe(true);
  });

  it('source imports: only express, jose, lru-cache and node: builtins (prom-client only dynamically)', () => {
    const clientDir = join(ROOT, 'src/client');
    for (const file of readdirSync(clientDir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(clientDir, file), 'utf8');
      for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
        const allowed = spec!.startsWith('./') || spec!.startsWith('node:') || ['express', 'jose', 'lru-cache'].includes(spec!);
        expect(allowed, `${file} imports ${spec}`).toBe(true);
      }
      const dynamic = [...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]);
      expect(dynamic.every((d) => d === 'prom-client'), `${file}: ${dynamic.join(', ')}`).toBe(true);
    }
  });
});
