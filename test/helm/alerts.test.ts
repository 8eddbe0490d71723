import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { prometheusTools } from '../prometheus/tools.js';
import { chartDir, helm, one, render, repoRoot, skipWithout, type RenderOptions } from './tools.js';

/**
 * The chart's alerts, evaluated by Prometheus's own rule engine: `promtool test rules` runs the unit
 * tests of test/helm/alerts/pico-auth.rules.test.yaml against the PrometheusRule the chart renders
 * (release `rel`, namespace `auth`). Every alert links a runbook of docs/runbooks/.
 */
const tools = prometheusTools('promtool');
const testFile = join(repoRoot, 'test/helm/alerts/pico-auth.rules.test.yaml');
const monitoring = join(chartDir, 'ci/monitoring-values.yaml');
const RUNBOOKS = 'https://runbooks.example';

interface Rule { alert: string; expr: string; annotations: Record<string, string> }

async function rules(opts: RenderOptions): Promise<Rule[]> {
  const objs = await render(opts);
  return one(objs, 'PrometheusRule', 'rel-pico-auth').spec.groups[0].rules as Rule[];
}

/** Renders the rule file for `opts` next to a copy of the unit tests, and runs promtool on them. */
async function promtool(opts: RenderOptions, command: 'test' | 'check'): Promise<{ status: number | null; output: string }> {
  const objs = await render(opts);
  const dir = mkdtempSync(join(tmpdir(), 'pico-alerts-'));
  writeFileSync(join(dir, 'rendered-rules.yaml'), stringify({ groups: one(objs, 'PrometheusRule', 'rel-pico-auth').spec.groups }));
  copyFileSync(testFile, join(dir, 'rules.test.yaml'));
  const args = command === 'test' ? ['test', 'rules', 'rules.test.yaml'] : ['check', 'rules', 'rendered-rules.yaml'];
  const r = spawnSync(tools.paths.promtool!, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const withRotation: RenderOptions = {
  valuesFiles: [monitoring],
  set: { 'keys.rotation.enabled': true, 'monitoring.prometheusRule.runbookBaseUrl': RUNBOOKS },
};

describe.skipIf(skipWithout({ helm }) || tools.skip)('the chart alerts (promtool)', () => {
  it('are valid rules and pass every unit test of test/helm/alerts', { timeout: 120_000 }, async () => {
    tools.require();
    const check = await promtool(withRotation, 'check');
    expect(check.status, check.output).toBe(0);
    expect(check.output).toMatch(/SUCCESS: 9 rules found/);
    const test = await promtool(withRotation, 'test');
    expect(test.status, test.output).toBe(0);
    expect(test.output).toMatch(/SUCCESS/);
  });

  it('the unit tests really exercise the selector: rendered with another one, they fail', { timeout: 120_000 }, async () => {
    tools.require();
    // Same tests, rules selecting namespace `elsewhere`: the firing
    // expectations of the auth namespace's series cannot hold.
    const objs = await render({ ...withRotation, set: { ...withRotation.set, 'monitoring.prometheusRule.selector': 'namespace="elsewhere"' } });
    expect(one(objs, 'PrometheusRule', 'rel-pico-auth').spec.groups[0].rules[1].expr).toContain('namespace="elsewhere"');
    const r = await promtool({ ...withRotation, set: { ...withRotation.set, 'monitoring.prometheusRule.selector': 'namespace="elsewhere"' } }, 'test');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/FAILED/);
    expect(r.output).toMatch(/PicoAuthKeyringReloadFailing/);
  });

  it('every alert the chart can render has a unit test in which it fires', async () => {
    const tests = parse(readFileSync(testFile, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const alerts = (await rules(withRotation)).map((r) => r.alert);
    expect(alerts).toHaveLength(9);
    for (const a of alerts) expect(firing, `no promtool test fires ${a}`).toContain(a);
  });

  it('select on labels the chart controls, never on a `job` the scrape config decides', async () => {
    for (const r of await rules(withRotation)) {
      expect(r.expr, r.alert).not.toMatch(/\bjob=/);
      if (r.expr.includes('pico_auth_')) {
        expect(r.expr, r.alert).toContain('namespace="auth", app_kubernetes_io_name="pico-auth", app_kubernetes_io_instance="rel", app_kubernetes_io_component="server"');
      } else {
        expect(r.expr, r.alert).toContain('namespace="auth", cronjob="rel-pico-auth-keys-rotation"');
      }
    }
    // The ServiceMonitor copies exactly those pod labels onto the series.
    const sm = one(await render({ valuesFiles: [monitoring] }), 'ServiceMonitor', 'rel-pico-auth');
    expect(sm.spec.podTargetLabels).toEqual(['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component']);
    // A scrape config of one's own: one selector for every alert.
    const own = await rules({ valuesFiles: [monitoring], set: { 'monitoring.prometheusRule.selector': 'job="auth"' } });
    for (const r of own) expect(r.expr, r.alert).toContain('{job="auth"');
    expect(own.length).toBeGreaterThan(5);
  });

  it('without rotation: no CronJob alerts, and the key-age alert at 90 days', async () => {
    const off = await rules({ valuesFiles: [monitoring] });
    expect(off.map((r) => r.alert)).not.toContain('PicoAuthKeyRotationFailing');
    expect(off.map((r) => r.alert)).not.toContain('PicoAuthKeyRotationNotRunning');
    expect(off.find((r) => r.alert === 'PicoAuthSigningKeyOld')!.expr).toMatch(/> 7776000$/);
    const on = await rules({ valuesFiles: [monitoring], set: { 'keys.rotation.enabled': true, 'keys.rotation.intervalDays': 7 } });
    expect(on.find((r) => r.alert === 'PicoAuthSigningKeyOld')!.expr).toMatch(/> 691200$/);
  });

  it('every alert links its runbook in docs/runbooks: what it means, how to confirm, what to do', async () => {
    const base = 'https://github.com/pico-platform/pico-server-auth/blob/main/docs/runbooks/';
    const all = await rules({ valuesFiles: [monitoring], set: { 'keys.rotation.enabled': true } });
    const index = readFileSync(join(repoRoot, 'docs/runbooks/README.md'), 'utf8');
    for (const r of all) {
      const url = r.annotations.runbook_url ?? '';
      expect(url.startsWith(base), `${r.alert}: ${url}`).toBe(true);
      const file = join(repoRoot, 'docs/runbooks', url.slice(base.length));
      expect(existsSync(file), `${r.alert}: ${file}`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith(`# ${r.alert}\n`), file).toBe(true);
      for (const section of ['## What it means', '## How to confirm', '## What to do']) expect(text, `${file}: ${section}`).toContain(section);
      expect(index, `docs/runbooks/README.md lists ${r.alert}`).toContain(`| ${r.alert} |`);
    }
  });
});
