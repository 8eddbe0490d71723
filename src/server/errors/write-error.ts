import type { ServerResponse } from 'node:http';
import { writeJson } from '../write-json.js';
import type { AuthError } from './auth-error.js';

/** The contract's error body. */
export function errorBody(err: AuthError): { detail: string; error: string } {
  return { detail: err.message, error: err.code };
}

/**
 * Writes `err` as the contract's `{"detail", "error"}` with its status and headers, on a bare
 * node:http response (Express's too). The only place an error body is written: the error
 * handler, the lean JWKS path and the metrics port all call it. `extra` adds headers (no-store...).
 */
export function writeError(res: ServerResponse, err: AuthError, extra: Record<string, string> = {}): void {
  writeJson(res, errorBody(err), err.status, { ...err.headers, ...extra });
}
