/**
 * The URL a local client reaches a listener at: a wildcard host is shown as 127.0.0.1, and an
 * IPv6 literal gets its brackets (`http://[::1]:8100`, not the invalid `http://::1:8100`).
 */
export function listenUrl(host: string, port: number, path = ''): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}${path}`;
}
