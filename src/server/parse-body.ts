import type { z } from 'zod';
import { AuthError } from './errors/index.js';

/**
 * Validates a request body against a zod schema, turning the first problem into a 400 that names
 * the field. Extra fields are ignored; wrong types, missing fields and over-long strings are not.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : 'body';
  throw new AuthError('invalid_request', `${field}: ${issue.message}`);
}
