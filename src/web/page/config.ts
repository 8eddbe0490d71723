/**
 * What the page reads from `config.json` beside it. Served by the process that serves the page,
 * never taken from the page's URL: a link must not be able to point the page (and the token it
 * obtains) at another server.
 */
export interface PageConfig {
  /** Base URL of the auth service (`/api/v1/auth/...` is appended); '' = the page's own origin. */
  authUrl: string;
  /** Base URL of the API whose `/api/me` is called with the token; '' = the page's own origin; null = none. */
  apiUrl: string | null;
  /** Chain ids the auth service accepts, checked before signing; [] = let the server decide. */
  chainIds: number[];
  /** The one-line statement of the SIWE message. */
  statement: string;
}

/** Checks the shape of a fetched config (it is data from the network). */
export function parsePageConfig(value: unknown): PageConfig {
  const v = value as Partial<PageConfig> | null;
  if (
    typeof v !== 'object' || v === null ||
    typeof v.authUrl !== 'string' ||
    !(typeof v.apiUrl === 'string' || v.apiUrl === null) ||
    !Array.isArray(v.chainIds) || !v.chainIds.every((n) => Number.isSafeInteger(n) && n > 0) ||
    typeof v.statement !== 'string'
  ) {
    throw new TypeError('config.json does not have the expected fields (authUrl, apiUrl, chainIds, statement).');
  }
  return { authUrl: v.authUrl, apiUrl: v.apiUrl, chainIds: v.chainIds, statement: v.statement };
}
