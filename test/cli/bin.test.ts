import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tmp } from './run-cli.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

describe('the pico-auth program (package.json bin)', () => {
  it('is installed as pico-auth and, under its former name, pico-auth-keys: one wrapper kept in the repository', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ 'pico-auth': './bin/pico-auth.mjs', 'pico-auth-keys': './bin/pico-auth.mjs' });
    expect(pkg.files).toContain('bin');
    expect(readFileSync(join(root, 'bin/pico-auth.mjs'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('runs the compiled CLI, and before any build says to build instead of a module error', async () => {
    const clone = tmp('pico-bin-');
    mkdirSync(join(clone, 'bin'));
    copyFileSync(join(root, 'bin/pico-auth.mjs'), join(clone, 'bin/pico-auth.mjs'));
    const unbuilt = await run(process.execPath, [join(clone, 'bin/pico-auth.mjs'), '--help']).catch((e: { code: number; stderr: string }) => e);
    expect(unbuilt).toMatchObject({ code: 1, stderr: expect.stringContaining('the CLI is not built yet. Run `npm run build`') });

    // A stand-in for dist/cli/main.js: the wrapper imports it, argv untouched.
    mkdirSync(join(clone, 'dist/cli'), { recursive: true });
    writeFileSync(join(clone, 'dist/cli/main.js'), 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
    const built = await run(process.execPath, [join(clone, 'bin/pico-auth.mjs'), 'keys', 'jwks', '--dir', 'x']);
    expect(JSON.parse(built.stdout)).toEqual(['keys', 'jwks', '--dir', 'x']);
  });
});
