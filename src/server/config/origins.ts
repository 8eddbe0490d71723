/**
 * `AUTH_CORS_ORIGINS` entries must each be a serialized origin exactly as a browser sends it in
 * `Origin` (`scheme://host[:port]`, lowercase, no default port, no path or trailing slash):
 * anything else could never match, which would silently break the page, so the settings table
 * refuses it at start. `*` and `null` (sandboxed frames, `file:` pages) are refused: neither is an
 * origin we can trust. Returns one problem per bad entry (empty when all are good).
 */
export function originProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry === '*' || entry.toLowerCase() === 'null') {
      problems.push(`"${entry}" is not allowed; list each page's exact origin, e.g. https://app.example.com`);
      continue;
    }
    let canonical: string | undefined;
    try {
      const url = new URL(entry);
      if (url.protocol === 'http:' || url.protocol === 'https:') canonical = url.origin;
    } catch {
      // reported below
    }
    if (canonical !== entry) {
      problems.push(
        `"${entry}" is not an exact origin (scheme://host[:port], no path or trailing slash)` +
          (canonical ? `; did you mean "${canonical}"?` : '; expected e.g. https://app.example.com'),
      );
    }
  }
  return problems;
}
