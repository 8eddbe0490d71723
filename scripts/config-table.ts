/**
 * Prints the configuration table of docs/configuration.md from the one settings table
 * (src/server/config/settings.ts), between the markers, so the page cannot drift:
 * `npx tsx scripts/config-table.ts --write` (test/docs/configuration.test.ts checks it).
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
    const dev = 'devDefault' in spec && spec.devDefault ? ` Development default (\`npm start\`, \`npm run dev\`; never with \`NODE_ENV=production\`): \`${spec.devDefault}\`.` : '';
    return `| \`${spec.env}\` | \`${name}\` | ${shown} | ${seed} | ${(spec.doc + dev).replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | `serverAuth` field | Default | Seed key | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

const BEGIN = '<!-- config-table:begin -->';
const END = '<!-- config-table:end -->';

/** The page that carries the table. */
export const TABLE_PAGE = 'docs/configuration.md';

export function withTable(page: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${TABLE_PAGE} lacks the config-table markers`);
  return `${page.slice(0, start + BEGIN.length)}\n${configTable()}\n${page.slice(end)}`;
}

if (process.argv.includes('--write')) {
  const page = readFileSync(TABLE_PAGE, 'utf8');
  writeFileSync(TABLE_PAGE, withTable(page));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${configTable()}\n`);
}
