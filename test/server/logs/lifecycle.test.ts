import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/server/logger.js';
import { createAuthService } from '../../../src/server/index.js';
import { generateKeyPem } from '../../../src/server/keys/index.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { makeKeyDir, postJson, ed25519Wallet } from '../../helpers/service.js';
import { captureLogs } from './capture.js';

describe('lifecycle logs', () => {
  it('log start, each key reload, each Redis state change and shutdown once each', async () => {
    const logs = captureLogs('trace');
    const redis = await RedisServerProcess.start();
    // Counts the service's connection attempts to this Redis (ioredis dials through net.createConnection;
    // if that changes, the poll below fails loudly instead of passing without reconnects).
    const dials = vi.spyOn(net, 'createConnection');
    const attempts = () => dials.mock.calls.filter(([options]) => (options as { port?: unknown }).port === redis.port).length;
    const keysDir = makeKeyDir('EdDSA');
    const service = await createAuthService({ logger: logs.logger, serverAuth: { keysDir, redisUrl: redis.url, shutdownGraceSeconds: 1 } });
    try {
      const { url } = await service.listen(0, '127.0.0.1');
      expect(logs.withMsg('pico-auth listening')).toHaveLength(1);
      expect(logs.withMsg('keyring loaded')).toHaveLength(1);
      expect(logs.withMsg('redis ready')).toHaveLength(1);

      // An outage long enough for several reconnect attempts: one line for the loss, one for the
      // first error, one when it is back; not one per attempt.
      await redis.stop('SIGKILL');
      const before = attempts();
      expect((await postJson(`${url}/api/v1/auth/challenge`, { address: ed25519Wallet().address })).status).toBe(503);
      await expect.poll(attempts, { timeout: 10_000, interval: 25 }).toBeGreaterThanOrEqual(before + 3); // three failed reconnects
      await redis.start();
      await expect.poll(() => logs.withMsg('redis ready').length, { timeout: 5000, interval: 25 }).toBe(2);
      expect(logs.withMsg('redis disconnected')).toHaveLength(1);
      expect(logs.withMsg('redis error')).toHaveLength(1);
      expect(logs.withMsg('redis ready')).toHaveLength(2);
      expect(logs.withMsg('redis disconnected')[0]!.level).toBe(40);

      // A bad key directory is reported once however often it is re-checked; a good one once.
      writeFileSync(join(keysDir, 'active.pem'), 'garbage');
      for (let i = 0; i < 3; i++) await service.keys.check();
      const failed = 'key directory failed to load; the previous keyring keeps serving';
      expect(logs.withMsg(failed)).toHaveLength(1);
      writeFileSync(join(keysDir, 'active.pem'), generateKeyPem('EdDSA'));
      for (let i = 0; i < 3; i++) await service.keys.check();
      expect(logs.withMsg('keyring reloaded')).toHaveLength(1);
    } finally {
      dials.mockRestore();
      await service.close();
      await service.close(); // idempotent: still one shutdown
      await redis.stop();
    }
    expect(logs.withMsg('shutting down')).toHaveLength(1);
    expect(logs.withMsg('shutdown complete')).toHaveLength(1);
    expect(logs.withMsg('redis closed')).toHaveLength(1);
  });
});

describe('log level by environment', () => {
  it('is info in production, debug in development, silent under tests, LOG_LEVEL when set', () => {
    expect(createLogger({ nodeEnv: 'production', logLevel: undefined }).level).toBe('info');
    expect(createLogger({ nodeEnv: 'development', logLevel: undefined }).level).toBe('debug');
    expect(createLogger({ nodeEnv: 'test', logLevel: undefined }).level).toBe('silent');
    expect(createLogger({ nodeEnv: 'production', logLevel: 'warn' }).level).toBe('warn');
  });

  it('takes the level from the environment through the service configuration', async () => {
    const service = await createAuthService({ env: { NODE_ENV: 'production', LOG_LEVEL: 'error', AUTH_KEYS_DIR: makeKeyDir('EdDSA'), REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      expect(service.logger.level).toBe('error');
    } finally {
      await service.close();
    }
  });
});

describe('request lines for 503s', () => {
  it('are warnings without a synthetic error stack, so a readiness probe loop does not flood error logs', async () => {
    const logs = captureLogs('debug');
    const emptyKeys = mkdtempSync(join(tmpdir(), 'pico-nokeys-'));
    const service = await createAuthService({ serverAuth: { keysDir: emptyKeys }, logger: logs.logger });
    const { url } = await service.listen(0, '127.0.0.1');
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      const line = logs.withMsg('GET /readyz 503')[0]!;
      expect(line.level).toBe(40);
      expect(line).not.toHaveProperty('err');
    } finally {
      await service.close();
    }
  });
});
