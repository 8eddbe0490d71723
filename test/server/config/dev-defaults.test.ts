import { describe, expect, it } from 'vitest';
import { loadConfig, withDevelopmentDefaults } from '../../../src/server/config/index.js';
import { sampleEnvWithDevDefaults } from '../../../src/sample/dev-defaults.js';

describe('development defaults of npm start / npm run start:sample', () => {
  it('the service accepts the sample page (CORS origin and SIWE domain) when NODE_ENV is unset or development', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: '' }]) {
      const { env: filled, applied } = withDevelopmentDefaults(env);
      expect(applied.map((a) => a.env)).toEqual(['AUTH_CORS_ORIGINS', 'AUTH_SIWE_DOMAINS']);
      const config = loadConfig({}, filled);
      expect(config.corsOrigins).toContain('http://localhost:8200');
      expect(config.siweDomains).toContain('localhost:8200');
    }
  });

  it('never applies with NODE_ENV=production (or any other mode), and never overrides a value given', () => {
    for (const mode of ['production', 'test', 'staging']) {
      expect(withDevelopmentDefaults({ NODE_ENV: mode })).toEqual({ env: { NODE_ENV: mode }, applied: [] });
    }
    const { env, applied } = withDevelopmentDefaults({ AUTH_CORS_ORIGINS: 'https://app.example' });
    expect(env.AUTH_CORS_ORIGINS).toBe('https://app.example');
    expect(applied.map((a) => a.env)).toEqual(['AUTH_SIWE_DOMAINS']);
    // The embedding API (loadConfig alone) keeps its explicit defaults: no CORS, SIWE off.
    expect(loadConfig({}, {})).toMatchObject({ corsOrigins: [], siweDomains: [] });
  });

  it('the sample trusts the local service when NODE_ENV is unset or development, and only then', () => {
    expect(sampleEnvWithDevDefaults({}).env).toMatchObject({ AUTH_CLIENT_ISSUER: 'http://localhost:8100', AUTH_CLIENT_AUDIENCE: 'pico-platform' });
    expect(sampleEnvWithDevDefaults({ AUTH_CLIENT_ISSUER: 'http://localhost:9100' }).env.AUTH_CLIENT_ISSUER).toBe('http://localhost:9100');
    expect(sampleEnvWithDevDefaults({ NODE_ENV: 'production' })).toEqual({ env: { NODE_ENV: 'production' }, applied: [] });
  });
});
