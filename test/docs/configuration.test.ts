import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_PAGE, withTable } from '../../scripts/config-table.js';
import { SETTINGS } from '../../src/server/config/settings.js';

const page = readFileSync(join(import.meta.dirname, '../..', TABLE_PAGE), 'utf8');

describe('docs/configuration.md', () => {
  it('carries the current configuration table (regenerate: npx tsx scripts/config-table.ts --write)', () => {
    expect(page).toBe(withTable(page));
    for (const spec of Object.values(SETTINGS)) expect(page).toContain(`\`${spec.env}\``);
  });

  it('shows the development defaults next to the settings that have one', () => {
    for (const spec of Object.values(SETTINGS) as { env: string; devDefault?: string }[]) {
      if (spec.devDefault) expect(page).toMatch(new RegExp(`\\| \`${spec.env}\` \\|.*Development default .*\`${spec.devDefault}\``));
    }
  });
});
