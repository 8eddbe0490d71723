import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './tools.js';

const run = promisify(execFile);

describe('values table', () => {
  it('documents every value and is up to date in the chart README and docs/deploy.md', async () => {
    const r = await run(process.execPath, [join(repoRoot, 'helm/values-table.mjs'), '--check']).catch((e: { stderr: string; code: number }) => e);
    expect('code' in r ? r.stderr : '').toBe('');
  });

  it('prints one row per documented key, with its default', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'helm/values-table.mjs')]);
    expect(stdout).toContain('| `replicaCount` | `2` |');
    expect(stdout).toContain('| `keys.existingSecret` | `""` |');
    expect(stdout).toContain('| `probes.readiness` |');
  });
});
