// Tests of src/lib/password.ts (kept beside the CLI that prints the hashes; the service's admin
// login verifies them with the same module). Cheap parameters here: the default ones (32 MiB,
// three passes) are exercised once, through the CLI, in cli.test.ts.
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from '../../src/lib/password.js';

const cheap = { ln: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('round-trips, salts every hash, and rejects a wrong password', async () => {
    const a = await hashPassword('s3cret-passphrase', cheap);
    const b = await hashPassword('s3cret-passphrase', cheap);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret-passphrase', a)).toBe(true);
    expect(await verifyPassword('s3cret-passphrase', b)).toBe(true);
    expect(await verifyPassword('s3cret-passphrasE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('is self-describing: the stored parameters are the ones used to verify', async () => {
    const h = await hashPassword('another password', { ln: 11, r: 4, p: 2 });
    expect(h).toMatch(/^\$scrypt\$ln=11,r=4,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parsePasswordHash(h)).toMatchObject({ ln: 11, r: 4, p: 2 });
    expect(await verifyPassword('another password', h)).toBe(true);
    // Tampering with the parameters breaks verification rather than being ignored.
    expect(await verifyPassword('another password', h.replace('ln=11', 'ln=12'))).toBe(false);
  });

  it('normalises Unicode so the same password typed differently verifies', async () => {
    const h = await hashPassword('caf\u00e9-password', cheap);
    expect(await verifyPassword('cafe\u0301-password', h)).toBe(true);
  });

  it('rejects malformed hashes and out-of-bounds parameters with a TypeError', async () => {
    for (const bad of ['', 'plaintext', '$scrypt$ln=15,r=8$abc$def', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA']) {
      expect(isPasswordHash(bad)).toBe(false);
      await expect(verifyPassword('x', bad)).rejects.toBeInstanceOf(TypeError);
    }
    const ok = await hashPassword('bounded-password', cheap);
    expect(() => parsePasswordHash(ok.replace('ln=10', 'ln=30'))).toThrow(/ln=30 is outside/);
    expect(() => parsePasswordHash(ok.replace('ln=10', 'ln=4'))).toThrow(/ln=4 is outside/);
    await expect(hashPassword('')).rejects.toBeInstanceOf(TypeError);
  });
});
