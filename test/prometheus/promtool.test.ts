import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../helpers/redis.js';
import { ed25519Wallet, postJson, signIn, startService, type RunningService } from '../helpers/service.js';
import { prometheusTools } from './tools.js';

const tools = prometheusTools('promtool');

function promtoolCheck(exposition: string) {
  const run = spawnSync(tools.paths.promtool!, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** `promtool check metrics` (the linter Prometheus ships) on what a service that did real work exposes. */
describe.skipIf(tools.skip)('promtool check metrics', () => {
  let svc: RunningService;
  beforeAll(async () => {
    tools.require();
    // With Redis when the harness has one, so the Redis command series are in the exposition too.
    svc = await startService({ rateLimitChallengePerAddress: 1 }, noRedis() ? 'memory' : 'redis');
  });
  afterAll(() => svc?.close());

  it('accepts the exposition of a service after real flows', async () => {
    tools.require();
    const first = await signIn(svc.api);
    await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token });
    await postJson(`${svc.api}/refresh`, { refresh_token: first.refresh_token }); // replayed (grace window)
    const wallet = ed25519Wallet();
    await postJson(`${svc.api}/challenge`, { address: wallet.address });
    await postJson(`${svc.api}/challenge`, { address: wallet.address }); // rate-limited
    await postJson(`${svc.api}/sign-in`, { algorithm: 'nope' });
    await fetch(`${svc.api}/jwks`);
    await fetch(`${svc.url}/no/such/path`);

    const exposition = await (await fetch(`${svc.url}/metrics`)).text();
    for (const name of ['pico_auth_sign_ins_total', 'pico_auth_http_request_duration_seconds', 'pico_auth_rate_limited_total', 'pico_auth_jwks_fingerprint_info', 'pico_auth_keyring_reload_failures_total', 'pico_auth_redis_command_errors_total']) {
      expect(exposition).toContain(`# TYPE ${name} `);
    }
    expect(exposition).toMatch(/^pico_auth_rate_limited_total\{limiter="challenge_address"\} 1$/m);
    const { status, output } = promtoolCheck(exposition);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('is a real check: it rejects a badly named metric', () => {
    tools.require();
    const { status, output } = promtoolCheck('# HELP pico_auth_bad_total A gauge named like a counter.\n# TYPE pico_auth_bad_total gauge\npico_auth_bad_total 1\n');
    expect(status).not.toBe(0);
    expect(output).toMatch(/_total/);
  });
});
