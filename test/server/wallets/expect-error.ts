import { expect } from 'vitest';
import { AuthError } from '../../../src/server/errors/index.js';

/** Runs `fn` and asserts it throws an AuthError with exactly this status and code; returns it. */
export async function expectAuthError(fn: () => unknown, status: number, code: string): Promise<AuthError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${status} ${code}, but nothing was thrown`).toBeInstanceOf(AuthError);
  const err = thrown as AuthError;
  expect({ status: err.status, code: err.code }).toEqual({ status, code });
  expect(err.message.length).toBeGreaterThan(0);
  return err;
}

/** A challenge as POST /challenge issues it. */
export function randomChallenge(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}
