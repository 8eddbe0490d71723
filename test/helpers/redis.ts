import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The harness's Redis URL ('' when there is none, outside CI only). */
export const redisUrl = (): string => inject('redisUrl');

/** True when Redis tests must be skipped (never in CI: the global setup fails there instead). */
export const noRedis = (): boolean => !inject('redisUrl');

/** A fresh key prefix under this run's prefix, so tests never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${inject('runPrefix')}${label}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (only keys this test wrote). */
export async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
