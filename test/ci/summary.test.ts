import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readReport, summarize } from '../../.ci/summary.mjs';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');

describe('.ci/run closing line (.ci/summary.mjs)', () => {
  let reportPath = '';
  beforeAll(async () => {
    // A real vitest JSON report over four files: setup throws, import throws, mixed, all green.
    reportPath = join(mkdtempSync(join(tmpdir(), 'pico-ci-summary-')), 'vitest.json');
    await run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(fixtures, 'vitest.config.ts'), '--outputFile', reportPath], {
      cwd: fixtures,
      env: { ...process.env, CI: '' },
    }).catch((e: { code?: number }) => {
      if (e.code !== 1) throw e; // 1: the fixtures fail, as they must
    });
  }, 60_000);

  it('counts a file that failed at setup or import as failed, not its tests as skipped', () => {
    const s = summarize([{ label: 'node20 main', report: readReport(reportPath) }]);
    // mixed: 1 pass, 1 fail, 1 skip; passes: 1 pass, 1 todo; setup-fails and import-fails: 1 failure each.
    expect(s).toMatchObject({ passed: 2, failed: 3, skipped: 2 });
    expect(s.notes.join('\n')).toMatch(/setup-fails\.fixture\.ts failed at setup \(2 tests not run\)/);
    expect(s.notes.join('\n')).toMatch(/import-fails\.fixture\.ts failed at setup: .*no-such-module/);
  });

  it('counts a missing or unreadable report as a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pico-ci-summary-'));
    writeFileSync(join(dir, 'broken.json'), '{"testResults": [');
    const s = summarize([
      { label: 'node24 cluster', report: readReport(join(dir, 'absent.json')) },
      { label: 'node24 main', report: readReport(join(dir, 'broken.json')) },
    ]);
    expect(s).toEqual({ passed: 0, failed: 2, skipped: 0, notes: [expect.stringMatching(/node24 cluster/), expect.stringMatching(/node24 main/)] });
  });

  it('prints the closing line from label=path arguments, as .ci/run calls it', async () => {
    const { stdout } = await run(process.execPath, [join(root, '.ci/summary.mjs'), `node20 main=${reportPath}`, `node20 cluster=${reportPath}.absent`]);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('2 passed, 4 failed, 2 skipped');
    expect(stdout).toContain('no test report for node20 cluster');
  });
});
