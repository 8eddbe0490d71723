import { pino, type DestinationStream, type Logger } from 'pino';
import type { AuthConfig } from './config/index.js';

/**
 * JSON logs with pino. Secrets never reach a log line: request bodies are never logged, and these
 * paths are censored wherever they appear in a logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-fleet-secret"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.refresh_token',
  '*.access_token',
  '*.signature',
  '*.privateKey',
  '*.secret',
];

/** `destination` defaults to stdout; tests pass an in-memory stream to read every line back. */
export function createLogger(config: Pick<AuthConfig, 'logLevel' | 'nodeEnv'>, destination?: DestinationStream): Logger {
  const level = config.logLevel ?? (config.nodeEnv === 'production' ? 'info' : config.nodeEnv === 'test' ? 'silent' : 'debug');
  const options = { level, base: { service: 'pico-auth' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
