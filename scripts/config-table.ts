/**
 * Prints the README's configuration table from the one settings table (src/server/config/settings.ts),
 * between the markers, so the README cannot drift: `npx tsx scripts/config-table.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SETTINGS } from '../src/server/config/settings.js';
import { loadConfig } from '../src/server/config/load.js';

export function configTable(): string {
  const defaults = loadConfig() as Record<string, unknown>;
  const rows = Object.entries(SETTINGS).map(([name, spec]) => {
    const d = defaults[name];
    const shown = d === undefined ? '—' : Array.isArray(d) ? (d.length ? `\`${d.join(',')}\`` : '(empty)') : `\`${String(d)}\``;
    const seed = 'seed' in spec && spec.seed ? `\`server_auth.${spec.seed}\`` : '';
    return `| \`${spec.env}\` | \`${name}\` | ${shown} | ${seed} | ${spec.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | `serverAuth` field | Default | Seed key | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

const BEGIN = '<!-- config-table:begin -->';
const END = '<!-- config-table:end -->';

export function withTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README lacks the config-table markers');
  return `${readme.slice(0, start + BEGIN.length)}\n${configTable()}\n${readme.slice(end)}`;
}

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withTable(readme));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${configTable()}\n`);
}
