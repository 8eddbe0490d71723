import { Counter, type Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.js';
import type { AuditOperation, LoginOutcome, RefreshOutcome, SignInOutcome, TokenKind } from '../events.js';

/** Every metric name of the service starts with this (default process metrics included). */
export const METRIC_PREFIX = 'pico_auth_';

// The closed label sets of the domain counters. `satisfies` plus the `Exhaustive` checks below make
// the compiler fail when events.ts gains an outcome that is missing here.
export const SIGN_IN_OUTCOMES = ['success', 'bad_signature', 'bad_challenge', 'address_mismatch', 'rate_limited', 'unavailable', 'invalid_request', 'error'] as const satisfies readonly SignInOutcome[];
export const REFRESH_OUTCOMES = ['rotated', 'replayed', 'reused', 'superseded', 'credential_changed', 'expired', 'invalid'] as const satisfies readonly RefreshOutcome[];
export const LOGIN_OUTCOMES = ['success', 'bad_credentials', 'disabled', 'rate_limited', 'unavailable', 'error'] as const satisfies readonly LoginOutcome[];
export const TOKEN_KINDS = ['access', 'refresh', 'service'] as const satisfies readonly TokenKind[];
export const AUDIT_OPERATIONS = ['add', 'remove'] as const satisfies readonly AuditOperation[];
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : never;
const exhaustive: [
  Exhaustive<SignInOutcome, (typeof SIGN_IN_OUTCOMES)[number]>,
  Exhaustive<RefreshOutcome, (typeof REFRESH_OUTCOMES)[number]>,
  Exhaustive<LoginOutcome, (typeof LOGIN_OUTCOMES)[number]>,
  Exhaustive<TokenKind, (typeof TOKEN_KINDS)[number]>,
  Exhaustive<AuditOperation, (typeof AUDIT_OPERATIONS)[number]>,
] = [true, true, true, true, true];
void exhaustive;

/** Seconds. HTTP handlers here answer in well under a millisecond to a few hundred (ML-DSA, Redis). */
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds. A Redis command answers in well under a millisecond on a healthy network; the timeout caps it. */
export const REDIS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The counters and histograms fed by events, middleware and the Redis wrapper (gauges read state in keyring.ts / index.ts). */
export function defineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    // On the request path: the cheap histogram (see fast-histogram.ts).
    httpDuration: new FastHistogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP request duration in seconds, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    challengesIssued: new Counter({
      name: `${METRIC_PREFIX}challenges_issued_total`,
      help: 'Sign-in challenges issued.',
      registers,
    }),
    signIns: new Counter({
      name: `${METRIC_PREFIX}sign_ins_total`,
      help: 'Sign-in attempts by algorithm (unknown for a value the service does not accept) and outcome.',
      labelNames: ['algorithm', 'outcome'] as const,
      registers,
    }),
    tokensIssued: new Counter({
      name: `${METRIC_PREFIX}tokens_issued_total`,
      help: 'Tokens issued, by kind (access, refresh, service).',
      labelNames: ['kind'] as const,
      registers,
    }),
    refreshes: new Counter({
      name: `${METRIC_PREFIX}refreshes_total`,
      help: 'Refresh-token presentations by outcome (rotated, replayed, reused, superseded, credential_changed, expired, invalid).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    logins: new Counter({
      name: `${METRIC_PREFIX}logins_total`,
      help: 'Password logins by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    revocations: new Counter({
      name: `${METRIC_PREFIX}revocations_total`,
      help: 'Access tokens revoked (POST /revoke).',
      registers,
    }),
    rateLimited: new Counter({
      name: `${METRIC_PREFIX}rate_limited_total`,
      help: 'Requests rejected with 429, by limiter.',
      labelNames: ['limiter'] as const,
      registers,
    }),
    connectionsDropped: new Counter({
      name: `${METRIC_PREFIX}connections_dropped_total`,
      help: 'Connections the service port refused because the connection cap (AUTH_MAX_CONNECTIONS) was reached.',
      registers,
    }),
    rateDelayed: new Counter({
      name: `${METRIC_PREFIX}rate_delayed_total`,
      help: 'Requests delayed (not refused) by a slowdown limit, by limiter.',
      labelNames: ['limiter'] as const,
      registers,
    }),
    auditFailures: new Counter({
      name: `${METRIC_PREFIX}audit_write_failures_total`,
      help: 'Mint audit writes that failed (best effort: the credential or revocation itself stands), by operation (add, remove).',
      labelNames: ['operation'] as const,
      registers,
    }),
    // Observed for every Redis command (~10 a sign-in): the cheap histogram too.
    redisDuration: new FastHistogram({
      name: `${METRIC_PREFIX}redis_command_duration_seconds`,
      help: 'Redis command latency in seconds (failed commands included), by command.',
      labelNames: ['command'] as const,
      buckets: REDIS_BUCKETS,
      registers,
    }),
    redisErrors: new Counter({
      name: `${METRIC_PREFIX}redis_command_errors_total`,
      help: 'Redis commands that failed (error reply, timeout, connection down), by command.',
      labelNames: ['command'] as const,
      registers,
    }),
  };
}

export type MetricSet = ReturnType<typeof defineMetrics>;
