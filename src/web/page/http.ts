/** JSON calls to the auth service and the API, failing with HttpError / UnreachableError. */
import { HttpError, UnreachableError } from './errors.js';

/** `base` + `path`; an empty base keeps the path relative (the page's own origin). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export async function callJson<T>(service: string, url: string, init: { body?: unknown; bearer?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (init.bearer) headers.Authorization = `Bearer ${init.bearer}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      // Tokens travel in bodies and headers only: never send or accept cookies.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    // The browser does not tell scripts why (CORS and network failures look alike, on purpose).
    throw new UnreachableError(service, url);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const b = (body ?? {}) as { detail?: unknown; error?: unknown };
    throw new HttpError(
      service,
      res.status,
      typeof b.error === 'string' ? b.error : 'http_error',
      typeof b.detail === 'string' ? b.detail : res.statusText || 'No details.',
      res.headers.get('Retry-After'),
    );
  }
  if (body === undefined) throw new HttpError(service, res.status, 'invalid_response', 'The answer was not JSON.', null);
  return body as T;
}
