// The closing line of .ci/run: one count over every vitest JSON report of the run.
// A test file that failed before its tests ran (an import error, a beforeAll that threw, ENOENT on
// a fixture) is reported by vitest with status "failed" and its tests as "skipped" (or none at
// all): it counts here as one failure, and its tests are not counted as skipped.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * @param {{ label: string, report: any }[]} reports parsed vitest JSON reports; `report` is
 *   undefined when the file is missing or does not parse (the leg did not run or crashed).
 * @returns {{ passed: number, failed: number, skipped: number, notes: string[] }}
 */
export function summarize(reports) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notes = [];
  for (const { label, report } of reports) {
    if (!report || !Array.isArray(report.testResults)) {
      failed += 1;
      notes.push(`no test report for ${label} (it did not run or crashed)`);
      continue;
    }
    for (const file of report.testResults) {
      const tests = file.assertionResults ?? [];
      const count = (status) => tests.filter((t) => t.status === status).length;
      const fileFailedTests = count('failed');
      const setupFailed = file.status === 'failed' && fileFailedTests === 0;
      passed += count('passed');
      failed += fileFailedTests;
      if (setupFailed) {
        failed += 1;
        const reason = String(file.message ?? '').split('\n')[0].slice(0, 200);
        notes.push(`${label}: ${file.name} failed at setup${tests.length ? ` (${tests.length} tests not run)` : ''}${reason ? `: ${reason}` : ''}`);
      } else {
        skipped += count('skipped') + count('pending') + count('todo');
      }
    }
  }
  return { passed, failed, skipped, notes };
}

export function readReport(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Arguments: label=path pairs, e.g. "node20 main=.ci/out/node20/vitest-main.json".
  const reports = process.argv.slice(2).map((arg) => {
    const i = arg.indexOf('=');
    return { label: arg.slice(0, i), report: readReport(arg.slice(i + 1)) };
  });
  const { passed, failed, skipped, notes } = summarize(reports);
  for (const note of notes) console.log(note);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
}
