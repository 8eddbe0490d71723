import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withErrorTable } from '../../scripts/error-table.js';
import { ERRORS } from '../../src/server/errors/catalogue.js';

const root = join(import.meta.dirname, '../..');
const contract = readFileSync(join(root, 'docs/contract.md'), 'utf8');

describe('docs/contract.md', () => {
  it('carries the error table generated from the catalogue (regenerate: npx tsx scripts/error-table.ts --write)', () => {
    expect(contract).toBe(withErrorTable(contract));
  });

  it('lists every code of the catalogue exactly once, with its status', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      const rows = contract.split('\n').filter((line) => line.includes(`| \`${code}\` |`));
      expect(rows, code).toHaveLength(1);
      expect(rows[0]!.startsWith(`| ${spec.status} |`), code).toBe(true);
    }
  });
});
