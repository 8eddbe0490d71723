import type { DestinationStream } from 'pino';
import { createLogger } from '../../../src/server/logger.js';

/** A log line as pino wrote it, parsed. */
export type LogLine = Record<string, unknown> & { level: number; time: number; msg?: string };

/**
 * The service's own logger (createLogger: same redaction, same base fields) writing to memory,
 * so a test can read back every line the service wrote.
 */
export function captureLogs(logLevel: 'trace' | 'debug' | 'info' = 'trace') {
  const raw: string[] = [];
  const stream: DestinationStream = { write: (line: string) => void raw.push(line) };
  const logger = createLogger({ logLevel, nodeEnv: 'production' }, stream);
  return {
    logger,
    /** Every line written so far, exactly as written. */
    raw,
    lines: (): LogLine[] => raw.map((l) => JSON.parse(l) as LogLine),
    /** Lines whose message is exactly `msg`. */
    withMsg: (msg: string): LogLine[] => raw.map((l) => JSON.parse(l) as LogLine).filter((l) => l.msg === msg),
  };
}
