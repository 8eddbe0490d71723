import { AuthClientConfigError } from './errors.js';
import type { AuthClientOptions } from './options.js';

/**
 * Reads `AUTH_CLIENT_*` variables into `AuthClientOptions` (names in docs/client.md). Values that
 * cannot parse are configuration errors, thrown now; `createAuthClient` checks the rest.
 * Revocation is on when `AUTH_CLIENT_REVOCATION_ENDPOINT` or `AUTH_CLIENT_REVOCATION_BEARER` is set.
 */
export function authClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthClientOptions {
  const issues: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const number = (name: string): number | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) issues.push(`${name} must be a number (got ${JSON.stringify(v)})`);
    return n;
  };
  const bool = (name: string): boolean | undefined => {
    const v = get(name)?.toLowerCase();
    if (v === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    issues.push(`${name} must be true or false (got ${JSON.stringify(v)})`);
    return undefined;
  };

  const issuer = get('AUTH_CLIENT_ISSUER');
  const audience = get('AUTH_CLIENT_AUDIENCE');
  if (issuer === undefined) issues.push('AUTH_CLIENT_ISSUER is required');
  if (audience === undefined) issues.push('AUTH_CLIENT_AUDIENCE is required');
  const options: AuthClientOptions = {
    issuer: issuer ?? '',
    audience: (audience ?? '').split(',').map((a) => a.trim()).filter(Boolean),
    jwksUrl: get('AUTH_CLIENT_JWKS_URL'),
    acceptedAlgorithms: get('AUTH_CLIENT_ACCEPTED_ALGORITHMS')?.split(',').map((a) => a.trim()).filter(Boolean),
    clockToleranceSeconds: number('AUTH_CLIENT_CLOCK_TOLERANCE_SECONDS'),
    allowInsecureHttp: bool('AUTH_CLIENT_ALLOW_INSECURE_HTTP'),
  };
  const endpoint = get('AUTH_CLIENT_REVOCATION_ENDPOINT');
  const bearer = get('AUTH_CLIENT_REVOCATION_BEARER');
  if (endpoint !== undefined || bearer !== undefined) {
    options.revocation = {
      endpoint,
      bearer: bearer ?? '',
      ttlSeconds: number('AUTH_CLIENT_REVOCATION_TTL_SECONDS'),
      failOpen: bool('AUTH_CLIENT_REVOCATION_FAIL_OPEN'),
    };
  }
  if (issues.length > 0) throw new AuthClientConfigError(issues);
  return options;
}
