import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTable } from '../../scripts/config-table.js';
import { SETTINGS } from '../../src/server/config/settings.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('carries the current configuration table (regenerate: npx tsx scripts/config-table.ts --write)', () => {
    expect(readme).toBe(withTable(readme));
    for (const spec of Object.values(SETTINGS)) expect(readme).toContain(`\`${spec.env}\``);
  });

  it('gives the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
