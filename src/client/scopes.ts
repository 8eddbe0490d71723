/**
 * Scope matching. Scopes are colon-separated paths (`orders:read`, `orders:items:write`).
 * - A granted scope satisfies the same required scope.
 * - A granted wildcard `p:*` satisfies `p` itself and everything below it: `p:x`, `p:x:y`, and the
 *   narrower wildcards `p:x:*`.
 * - A granted specific scope never satisfies a required wildcard: `p:x` does not satisfy `p:*`.
 * - A bare `*` is not a super-scope: it only satisfies a required `*`.
 */
export function scopeSatisfies(granted: string, required: string): boolean {
  if (granted === required) return true;
  if (!granted.endsWith(':*') || granted.length < 3) return false;
  const prefix = granted.slice(0, -2);
  return required === prefix || required.startsWith(`${prefix}:`);
}

/** True when some granted scope satisfies `required`. */
export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.some((g) => scopeSatisfies(g, required));
}
