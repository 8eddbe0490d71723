import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS, USAGE } from '../../src/cli/cli.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(root, 'docs', f));
const pages = [join(root, 'README.md'), ...docs, join(root, 'CHANGELOG.md')];

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let code = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) code = !code;
    const m = !code && /^#{1,6} (.*)$/.exec(line);
    if (m) out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

describe('README: the page a newcomer reads', () => {
  it('gives the two commands, exactly (.ci/run runs the test command; a fresh machine runs both)', () => {
    expect(readme).toContain('npm ci && npm start    # set up and run');
    expect(readme).toContain('npm test               # typecheck + the whole test suite');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test \|\| status=\$\?$/m);
  });

  it('stays short: the reference lives in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('every relative link of the README and docs/ points to a file (and heading) that exists', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
        const [path, hash] = target!.split('#') as [string, string | undefined];
        const file = join(dirname(page), decodeURIComponent(path));
        if (!existsSync(file)) broken.push(`${relative(root, page)}: ${target} (no such file)`);
        else if (hash && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(hash)) broken.push(`${relative(root, page)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every `pico-auth` command shown in the README and docs/ exists, with options the CLI knows', () => {
    const commands = new Set([...USAGE.matchAll(/^ {2}((?:keys|dev) [a-z-]+|hash-password)\b/gm)].map((m) => m[1]!));
    expect(commands).toContain('dev sign-in');
    const known = new Set(Object.keys(OPTIONS));
    const wrong: string[] = [];
    for (const page of pages) {
      for (const [line] of readFileSync(page, 'utf8').matchAll(/(?<![\w-])pico-auth(?:-keys)? (?:keys|dev|hash-password)[^\n`|]*/g)) {
        const command = /^pico-auth(?:-keys)? (hash-password|(?:keys|dev) [a-z-]+)/.exec(line)?.[1] ?? line;
        if (!commands.has(command)) wrong.push(`${relative(root, page)}: ${line} (no command "${command}")`);
        for (const flag of line.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)) if (!known.has(flag[1]!)) wrong.push(`${relative(root, page)}: ${line} (no option --${flag[1]})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('CHANGELOG', () => {
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]!);

  it('opens with Unreleased (with upgrade notes), then released versions newest first, the newest being package.json\'s', () => {
    expect(versions[0]).toBe('Unreleased');
    const unreleased = changelog.slice(changelog.indexOf('## [Unreleased]'), changelog.indexOf(`## [${versions[1]}]`));
    expect(unreleased).toMatch(/^### Upgrade notes/m);
    const released = versions.slice(1);
    expect(released.length).toBeGreaterThan(0);
    for (const v of released) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    const sorted = [...released].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    expect(released).toEqual(sorted);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(released[0]).toBe(pkg.version);
  });
});
