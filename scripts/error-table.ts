/**
 * Prints docs/contract.md's error table from the one error catalogue (src/server/errors/catalogue.ts),
 * between the markers, so the contract cannot drift from the code: `npx tsx scripts/error-table.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ERRORS } from '../src/server/errors/catalogue.js';

export function errorTable(): string {
  const rows = Object.entries(ERRORS).map(([code, spec]) => {
    const headers = spec.status === 401 ? ' `WWW-Authenticate: Bearer`.' : spec.status === 429 || spec.status === 503 ? ' `Retry-After`.' : '';
    return `| ${spec.status} | \`${code}\` | ${spec.detail.replace(/\|/g, '\\|')}${headers} |`;
  });
  return ['| status | `error` | meaning |', '|---|---|---|', ...rows].join('\n');
}

const BEGIN = '<!-- error-table:begin -->';
const END = '<!-- error-table:end -->';

export function withErrorTable(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < 0) throw new Error('docs/contract.md lacks the error-table markers');
  return `${doc.slice(0, start + BEGIN.length)}\n${errorTable()}\n${doc.slice(end)}`;
}

if (process.argv.includes('--write')) {
  writeFileSync('docs/contract.md', withErrorTable(readFileSync('docs/contract.md', 'utf8')));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${errorTable()}\n`);
}
