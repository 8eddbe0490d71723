import { describe, expect, it } from 'vitest';
import { readBodyInto } from '../../src/client/read-body.js';

/** A response whose body arrives in exactly these chunks. */
function chunked(chunks: Uint8Array[]): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  return new Response(stream);
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('readBodyInto', () => {
  it('reads a body of many chunks into one buffer, grown as it comes', async () => {
    const parts = [bytes(1000, 1), bytes(70_000, 2), bytes(5, 3), bytes(200_000, 4)];
    const into = { bytes: new Uint8Array(0) };
    const body = await readBodyInto(chunked(parts), into, 1 << 20);
    expect(Buffer.from(body).equals(Buffer.concat(parts))).toBe(true);
    expect(body.buffer).toBe(into.bytes.buffer);
  });

  it('reuses the buffer: a second, smaller body overwrites the first without growing it', async () => {
    const into = { bytes: new Uint8Array(0) };
    await readBodyInto(chunked([bytes(300_000, 5)]), into, 1 << 20);
    const kept = into.bytes;
    const second = await readBodyInto(chunked([bytes(10, 6), bytes(20, 7)]), into, 1 << 20);
    expect(into.bytes).toBe(kept);
    expect(Buffer.from(second).equals(Buffer.concat([bytes(10, 6), bytes(20, 7)]))).toBe(true);
  });

  it('refuses a body over the limit and cancels its stream', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(bytes(4096, 8)); // endless
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readBodyInto(new Response(stream), { bytes: new Uint8Array(0) }, 64 * 1024)).rejects.toThrow('larger than 65536 bytes');
    expect(cancelled).toBe(true);
  });

  it('a body of exactly the limit is read; an empty or absent body is empty', async () => {
    expect((await readBodyInto(chunked([bytes(65_536, 9)]), { bytes: new Uint8Array(0) }, 65_536)).length).toBe(65_536);
    expect((await readBodyInto(chunked([]), { bytes: new Uint8Array(0) }, 10)).length).toBe(0);
    expect((await readBodyInto(new Response(null, { status: 204 }), { bytes: new Uint8Array(8) }, 10)).length).toBe(0);
  });
});
