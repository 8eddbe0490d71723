/**
 * A response body read into a buffer the caller keeps between reads (`into.bytes`, grown by
 * doubling when a body needs more), instead of `arrayBuffer()`'s fresh allocation per body: a full
 * revocation load reads ~100 bodies of ~330 KB, and on a VM every freshly touched page of memory
 * costs a fault (bench/REVOCATION.md). Returns a view of `into.bytes` that the next read overwrites.
 * A body over `maxBytes` is refused (its stream cancelled).
 */
export async function readBodyInto(response: Response, into: { bytes: Uint8Array }, maxBytes: number): Promise<Uint8Array> {
  const body = response.body;
  if (!body) return into.bytes.subarray(0, 0);
  const reader = body.getReader();
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const end = length + value.length;
    if (end > maxBytes) {
      await reader.cancel();
      throw new Error(`The response body is larger than ${maxBytes} bytes.`);
    }
    if (end > into.bytes.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(end, into.bytes.length * 2, 64 * 1024)));
      grown.set(into.bytes.subarray(0, length));
      into.bytes = grown;
    }
    into.bytes.set(value, length);
    length = end;
  }
  return into.bytes.subarray(0, length);
}
