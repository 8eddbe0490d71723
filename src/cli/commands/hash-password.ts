import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { hashPassword } from '../../lib/password.js';

const MIN_LENGTH = 12;

/** Reads all of a non-interactive stdin; one trailing newline (from `echo` or a file) is not part of the password. */
async function readPiped(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from a terminal without echoing it. */
async function readHidden(input: NodeJS.ReadStream, prompt: NodeJS.WritableStream): Promise<string> {
  prompt.write('Password (not echoed): ');
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.once('line', resolve));
  } finally {
    rl.close();
    prompt.write('\n');
  }
}

/** `hash-password`: password on stdin, scrypt hash string (for AUTH_ADMIN_PASSWORD_HASH) on stdout. */
export async function hashPasswordCommand(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Promise<string> {
  const password = stdin.isTTY ? await readHidden(stdin, stderr) : await readPiped(stdin);
  if (password.length === 0) throw new Error('empty password on stdin');
  // The admin login guards operator powers; a short password is the weak link, not the hash.
  if ([...password].length < MIN_LENGTH) throw new Error(`the password must be at least ${MIN_LENGTH} characters`);
  return hashPassword(password);
}
