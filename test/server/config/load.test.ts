import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/server/errors/index.js';
import { loadConfig, SETTINGS } from '../../../src/server/config/index.js';

const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has the seed defaults', () => {
    const c = loadConfig();
    expect(c).toMatchObject({ port: 8100, accessTokenExpireMinutes: 15, refreshTokenExpireDays: 7, challengeTtlSeconds: 60, jwksMaxAgeSeconds: 300 });
  });

  it('reads the seed keys from their environment variables', () => {
    const c = loadConfig({}, {
      AUTH_ISSUER: 'https://auth.example.com',
      AUTH_AUDIENCE: 'my-platform',
      AUTH_ACCESS_TOKEN_EXPIRE_MINUTES: '5',
      AUTH_REFRESH_TOKEN_EXPIRE_DAYS: '2',
      AUTH_CHALLENGE_TTL_SECONDS: '30',
    });
    expect(c).toMatchObject({ issuer: 'https://auth.example.com', audience: 'my-platform', accessTokenExpireMinutes: 5, refreshTokenExpireDays: 2, challengeTtlSeconds: 30 });
  });

  it('lets programmatic serverAuth win over the environment', () => {
    expect(loadConfig({ audience: 'mine' }, { AUTH_AUDIENCE: 'env' }).audience).toBe('mine');
  });

  it('parses lists and host:port lists', () => {
    const c = loadConfig({}, { AUTH_SIWE_CHAIN_IDS: '1, 137', REDIS_SENTINELS: 's1:26379,s2:26379', AUTH_CORS_ORIGINS: 'https://a.example' });
    expect(c.siweChainIds).toEqual([1, 137]);
    expect(c.redisSentinels).toEqual(['s1:26379', 's2:26379']);
    expect(c.corsOrigins).toEqual(['https://a.example']);
    expect(loadConfig({ siweChainIds: [1, 10] }).siweChainIds).toEqual([1, 10]);
    expect(() => loadConfig({ siweChainIds: ['x'] })).toThrow(/AUTH_SIWE_CHAIN_IDS/);
  });

  it('names the variable, the field and what it accepts for every wrong value', () => {
    const issues = issuesOf(() => loadConfig({}, { AUTH_ACCESS_TOKEN_EXPIRE_MINUTES: 'soon', PORT: '70000', AUTH_ISSUER: 'not a url', REDIS_SENTINELS: 'nohost' }));
    expect(issues.join('\n')).toMatch(/AUTH_ACCESS_TOKEN_EXPIRE_MINUTES \(serverAuth\.accessTokenExpireMinutes\).*got "soon".*minutes/);
    expect(issues.join('\n')).toMatch(/PORT \(serverAuth\.port\)/);
    expect(issues.join('\n')).toMatch(/AUTH_ISSUER/);
    expect(issues.join('\n')).toMatch(/REDIS_SENTINELS.*host:port/);
    expect(issuesOf(() => loadConfig({ bogus: 1 } as never))).toEqual(['serverAuth.bogus: unknown setting']);
  });

  it('never echoes a secret in an error', () => {
    const issues = issuesOf(() => loadConfig({}, { AUTH_FLEET_SECRET: 'short' }));
    expect(issues.join('\n')).toContain('AUTH_FLEET_SECRET');
    expect(issues.join('\n')).not.toContain('short"');
  });

  it('refuses the embedded defaults in production, saying what to set and why', () => {
    const issues = issuesOf(() => loadConfig({}, { NODE_ENV: 'production' }));
    expect(issues[0]).toMatch(/REDIS_URL is required.*replica/);
    expect(issues[1]).toMatch(/AUTH_KEYS_DIR is required.*replica/);
    expect(() => loadConfig({}, { NODE_ENV: 'production', REDIS_URL: 'redis://r:6379', AUTH_KEYS_DIR: '/keys' })).not.toThrow();
    expect(() => loadConfig({}, { NODE_ENV: 'production', REDIS_SENTINELS: 's:26379', AUTH_KEYS_DIR: '/keys' })).not.toThrow();
  });

  it('maps every setting to a distinct AUTH_/REDIS_ (or standard) variable', () => {
    const envs = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const e of envs) expect(e).toMatch(/^(AUTH_|REDIS_|PORT$|HOST$|NODE_ENV$|LOG_LEVEL$)/);
  });
});
