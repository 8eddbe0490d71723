/** Hex helpers for the contract's hex fields: upper or lower case, optional `0x` prefix. */
const HEX_RE = /^(?:0x)?([0-9a-fA-F]*)$/;

/** Returns the lowercase hex digits without prefix, or null when `value` is not even-length hex. */
export function normalizeHex(value: string): string | null {
  const m = HEX_RE.exec(value);
  if (!m || m[1]!.length % 2 !== 0) return null;
  return m[1]!.toLowerCase();
}

const HEX_DIGITS_RE = /^[0-9a-fA-F]*$/;

/** Decodes contract hex into bytes, or null when malformed. */
export function hexToBytes(value: string): Uint8Array | null {
  const hex = value.startsWith('0x') ? value.slice(2) : value;
  if (hex.length % 2 !== 0 || !HEX_DIGITS_RE.test(hex)) return null;
  // Buffer decodes either case; the copy leaves Buffer's shared pool slab (and is a memcpy, where
  // Uint8Array.from iterates the bytes).
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
