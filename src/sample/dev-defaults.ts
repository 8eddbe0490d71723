/**
 * What `npm run start:sample` / `npm run dev` use when NODE_ENV is unset or `development` and
 * AUTH_CLIENT_ISSUER / AUTH_CLIENT_AUDIENCE are unset: the auth service `npm start` runs on this
 * machine (its own defaults). Never with another NODE_ENV: a deployed sample trusts only what it is
 * told. Returns the environment to use and the variables it filled.
 */
export const SAMPLE_DEV_DEFAULTS: Readonly<Record<string, string>> = {
  AUTH_CLIENT_ISSUER: 'http://localhost:8100',
  AUTH_CLIENT_AUDIENCE: 'pico-platform',
};

export function sampleEnvWithDevDefaults(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; applied: string[] } {
  const mode = env.NODE_ENV ?? '';
  if (mode !== '' && mode !== 'development') return { env, applied: [] };
  const out = { ...env };
  const applied: string[] = [];
  for (const [name, value] of Object.entries(SAMPLE_DEV_DEFAULTS)) {
    if (env[name] === undefined || env[name] === '') {
      out[name] = value;
      applied.push(`${name}=${value}`);
    }
  }
  return { env: out, applied };
}
