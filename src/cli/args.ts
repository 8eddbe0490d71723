import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../server/keys/key-entry.js';

/** A command-line mistake: printed with the usage text, exit status 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "300", "300s", "5m", "12h", "30d" -> seconds. */
export function parseDuration(raw: string, flag: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration such as 300, 300s, 5m, 12h or 30d; got ${JSON.stringify(raw)}`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}

export function parseAlgorithm(raw: string | undefined, flag = '--alg'): SigningAlgorithm | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(raw)) {
    throw new UsageError(`${flag}: expected one of ${SIGNING_ALGORITHMS.join(', ')}; got ${JSON.stringify(raw)}`);
  }
  return raw as SigningAlgorithm;
}

/** `key=value` pairs (labels). */
export function parseLabels(raw: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of raw ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`--label: expected key=value; got ${JSON.stringify(item)}`);
    labels[item.slice(0, i)] = item.slice(i + 1);
  }
  return labels;
}

/** A Secret name: a DNS subdomain (RFC 1123). */
export function requireSecretName(raw: string | undefined): string {
  if (!raw) throw new UsageError('--secret NAME is required');
  if (raw.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(raw)) throw new UsageError(`--secret: ${JSON.stringify(raw)} is not a valid Secret name`);
  return raw;
}

/** A whole number of seconds from an environment variable, or the fallback. */
export function envSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number, scale = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name}: expected a whole number; got ${JSON.stringify(raw)}`);
  return Number(raw) * scale;
}
