/** Hex helpers for the contract's hex fields: upper or lower case, optional `0x` prefix. */
const HEX_RE = /^(?:0x)?[0-9a-fA-F]*$/;

/** The hex digits of `value` without its `0x`, or null when it is not even-length hex (the one rule of both helpers). */
function hexDigits(value: string): string | null {
  if (!HEX_RE.test(value)) return null;
  const digits = value.startsWith('0x') ? value.slice(2) : value;
  return digits.length % 2 === 0 ? digits : null;
}

/** Returns the lowercase hex digits without prefix, or null when `value` is not even-length hex. */
export function normalizeHex(value: string): string | null {
  return hexDigits(value)?.toLowerCase() ?? null;
}

/** Decodes contract hex into bytes, or null when malformed. */
export function hexToBytes(value: string): Uint8Array | null {
  const digits = hexDigits(value);
  if (digits === null) return null;
  // Buffer decodes either case; the copy leaves Buffer's shared pool slab (and is a memcpy, where
  // Uint8Array.from iterates the bytes).
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
