import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { run, type CliIo } from '../../src/cli/cli.js';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return () => text;
}

/** Runs the CLI in-process with captured output, a given environment and a settable clock. */
export async function cli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; now?: Date } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const io: CliIo = {
    stdin: Readable.from([Buffer.from(opts.stdin ?? '')]) as unknown as NodeJS.ReadStream,
    stdout,
    stderr,
    env: opts.env ?? {},
    now: () => opts.now ?? new Date('2026-05-01T00:00:00.000Z'),
  };
  const code = await run(args, io);
  return { code, stdout: out(), stderr: err() };
}

export const tmp = (prefix = 'pico-keys-') => mkdtempSync(join(tmpdir(), prefix));
