import { describe, expect, it } from 'vitest';
import { helmAdvice, helmVersionProblem, pinnedHelmVersion } from '../helpers/helm-version.js';

describe('helm version check of the chart tests', () => {
  it('reads the version .ci/setup.d/30-k8s-tools.sh pins', () => {
    expect(pinnedHelmVersion()).toMatch(/^v3\.\d+\.\d+$/);
  });

  it('accepts the pinned version and newer 3.x, refuses older, other majors and unstamped builds', () => {
    expect(helmVersionProblem('v3.22.0', 'v3.22.0')).toBeUndefined();
    expect(helmVersionProblem('v3.22.1+g1234', 'v3.22.0')).toBeUndefined();
    expect(helmVersionProblem('v3.23.0', 'v3.22.0')).toBeUndefined();
    expect(helmVersionProblem('v3.22', 'v3.22.0')).toBeUndefined(); // go install stamps major.minor only
    expect(helmVersionProblem('v3.21', 'v3.22.0')).toMatch(/older than/);
    expect(helmVersionProblem('v3.21.9', 'v3.22.0')).toMatch(/older than v3\.22\.0/);
    expect(helmVersionProblem('v3.9.4', 'v3.22.0')).toMatch(/older than/);
    expect(helmVersionProblem('v4.0.0', 'v3.22.0')).toMatch(/major version 4/);
    expect(helmVersionProblem('', 'v3.22.0')).toMatch(/no usable version/);
    expect(helmVersionProblem('<no value>', 'v3.22.0')).toMatch(/no usable version/);
  });

  it('says how to get the pinned helm', () => {
    expect(helmAdvice('v3.22.0')).toContain('source .ci/setup.d/30-k8s-tools.sh');
    expect(helmAdvice('v3.22.0')).toContain('helm-v3.22.0');
  });
});
