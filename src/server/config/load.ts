import { z } from 'zod';
import { AuthError, ConfigError } from '../errors/index.js';
import { SETTINGS, type SettingName } from './settings.js';

type Settings = typeof SETTINGS;
/** The validated configuration: one typed field per entry of the settings table. */
export type AuthConfig = { [K in SettingName]: z.output<Settings[K]['schema']> };
/** What a caller may pass programmatically as `serverAuth`: any subset, typed or as env strings. */
export type ServerAuthSettings = { [K in SettingName]?: z.input<Settings[K]['schema']> };

const schema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, s.schema])) as { [K in SettingName]: Settings[K]['schema'] },
);

/**
 * Validates the configuration once, at start. Programmatic `serverAuth` values win over `env`;
 * empty environment strings count as unset. Throws ConfigError naming the variable, the field, what
 * it accepts and what it got.
 */
export function loadConfig(serverAuth: ServerAuthSettings = {}, env: NodeJS.ProcessEnv = {}): AuthConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') raw[name] = fromEnv;
    const given = (serverAuth as Record<string, unknown>)[name];
    if (given !== undefined) raw[name] = given;
  }
  const unknown = Object.keys(serverAuth).filter((k) => !(k in SETTINGS));
  const issues: string[] = unknown.map((k) => `serverAuth.${k}: unknown setting`);

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as SettingName;
      const spec = SETTINGS[name];
      const got = raw[name];
      issues.push(
        spec
          ? `${spec.env} (serverAuth.${name}): ${issue.message}; got ${JSON.stringify(redact(name, got))}. ${spec.doc}`
          : issue.message,
      );
    }
  }
  if (issues.length) throw new ConfigError(issues);
  const config = parsed.data as AuthConfig;
  if (config.requireDomainBinding && config.siweDomains.length === 0) {
    throw new ConfigError(['AUTH_REQUIRE_DOMAIN_BINDING=true needs AUTH_SIWE_DOMAINS: with no allowed domain, no domain-bound message could ever be accepted and every sign-in would fail.']);
  }
  checkProduction(config);
  return config;
}

/** Secrets never appear in error messages. */
function redact(name: string, value: unknown): unknown {
  return /secret|password|hash/i.test(name) && value !== undefined ? '<redacted>' : value;
}

function checkProduction(config: AuthConfig): void {
  if (config.nodeEnv !== 'production') return;
  const issues: string[] = [];
  const hasRedis = config.redisUrl || config.redisSentinels?.length || config.redisClusterNodes?.length;
  if (!hasRedis) {
    issues.push('REDIS_URL is required when NODE_ENV=production: without it challenges, refresh tokens, revocations and rate limits live in one process, so a challenge issued by one replica fails on the next and every restart logs everyone out.');
  }
  if (!config.keysDir) {
    issues.push('AUTH_KEYS_DIR is required when NODE_ENV=production: without it each replica generates its own signing key, so tokens from one replica fail on another. Mount the keys Secret (see `pico-auth-keys init`) and point AUTH_KEYS_DIR at it.');
  }
  if (issues.length) throw new ConfigError(issues);
}

/**
 * The development defaults of the program entry (`npm start`, `npm run dev`): when NODE_ENV is
 * unset or `development`, every unset variable with a `devDefault` in the settings table gets it,
 * so the service and the sample page (http://localhost:8200) work together with no setup. Never
 * with any other NODE_ENV (production stays explicit). The embedding API does not call this.
 * Returns the environment to use and the variables it filled, for one warning each.
 */
export function withDevelopmentDefaults(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; applied: { env: string; value: string }[] } {
  const mode = env.NODE_ENV ?? '';
  if (mode !== '' && mode !== 'development') return { env, applied: [] };
  const out: NodeJS.ProcessEnv = { ...env };
  const applied: { env: string; value: string }[] = [];
  for (const spec of Object.values(SETTINGS) as { env: string; devDefault?: string }[]) {
    if (spec.devDefault === undefined || (env[spec.env] !== undefined && env[spec.env] !== '')) continue;
    out[spec.env] = spec.devDefault;
    applied.push({ env: spec.env, value: spec.devDefault });
  }
  return { env: out, applied };
}
