import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { RedisServerProcess } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis every Redis-backed test uses; '' when none could be had (local runs only). */
    redisUrl: string;
    /** How the harness got it, for the log line. */
    redisSource: string;
    /** Unique per test run: every key a test writes starts with it. */
    runPrefix: string;
  }
}

/**
 * The Redis harness, in the order the project promises: REDIS_URL when set; otherwise a container
 * when a Docker engine answers (a user's laptop); otherwise a redis-server started on a free port.
 * Tests write under `runPrefix` only and never flush anything.
 */
export default async function setup(project: TestProject) {
  const runPrefix = `pico-test:${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;
  project.provide('runPrefix', runPrefix);

  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    project.provide('redisSource', 'REDIS_URL');
    return;
  }
  if (dockerAnswers()) {
    try {
      const { GenericContainer } = await import('testcontainers');
      const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      project.provide('redisUrl', `redis://${container.getHost()}:${container.getMappedPort(6379)}`);
      project.provide('redisSource', 'testcontainers');
      return async () => void (await container.stop());
    } catch (err) {
      console.warn(`[redis harness] Docker answered but the container failed (${String(err)}); trying redis-server`);
    }
  }
  try {
    const server = await RedisServerProcess.start();
    project.provide('redisUrl', server.url);
    project.provide('redisSource', 'redis-server');
    return async () => server.stop();
  } catch (err) {
    if (process.env.CI) throw new Error(`[redis harness] CI needs Redis: set REDIS_URL or install redis-server (${String(err)})`);
    console.warn('\n[redis harness] NO REDIS: set REDIS_URL or install redis-server; Redis tests will be SKIPPED.\n');
    project.provide('redisUrl', '');
    project.provide('redisSource', 'none');
  }
}

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}
