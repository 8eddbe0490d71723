import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRedis } from '../../helpers/redis.js';
import { ed25519Wallet, postJson, startService, type RunningService } from '../../helpers/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminSettings } from './session-helpers.js';

/**
 * Abuse must bound the attacker, not lock the victim out. Every test goes through HTTP against a
 * service on the real Redis, with the default limits; clients are told apart by X-Forwarded-For
 * behind one trusted proxy (AUTH_TRUST_PROXY=1), as behind an ingress. The Redis command timeout is
 * raised (5 s) so that a loaded test machine neither answers 503 nor lets the per-process fallback
 * limiter (which a rate-limit check uses past a fifth of it) count instead of Redis.
 */
const slowMachine = { redisCommandTimeoutMs: 5000 };
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const attackers = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];

describe.skipIf(noRedis())('a challenge flood for a victim\'s address (Redis, default limits)', () => {
  let svc: RunningService;
  const limited: string[] = [];
  beforeAll(async () => {
    svc = await startService({ ...slowMachine, trustProxy: 1 }, 'redis');
    svc.service.events.on('rateLimited', (name) => limited.push(name));
  });
  afterAll(() => svc.close());

  it('31 requests from 5 IPs, before and while the victim signs in, do not lock the victim out', async () => {
    const victim = ed25519Wallet();
    const flood = () => Promise.all(Array.from({ length: 31 }, (_, i) => postJson(`${svc.api}/challenge`, { address: victim.address }, from(attackers[i % 5]!))));
    const flooded = await flood();
    expect(flooded.map((r) => r.status), flooded.filter((r) => r.status !== 200).map((r) => r.text).join(" ")).toEqual(Array(31).fill(200));

    const challenge = await postJson(`${svc.api}/challenge`, { address: victim.address }, from('198.51.100.10'));
    expect(challenge.status).toBe(200);
    // The flood goes on between the victim's challenge and its signature: it evicts only the flooders' own.
    await flood();
    const signedIn = await postJson(`${svc.api}/sign-in`, victim.body(challenge.json.challenge), from('198.51.100.10'));
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.json.address).toBe(victim.address);
  });

  it('still bounds the attacker: 30 per address and client per window, then 429', async () => {
    const victim = ed25519Wallet();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await postJson(`${svc.api}/challenge`, { address: victim.address }, from('203.0.113.77'))).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses[30]).toBe(429);
    expect(limited).toContain('challenge_address');
    // The victim, from its own client, is not affected.
    expect((await postJson(`${svc.api}/challenge`, { address: victim.address }, from('198.51.100.11'))).status).toBe(200);
  });

  it('still bounds what a client holds: its 6th challenge for one address evicts its 1st (5 outstanding)', async () => {
    const wallet = ed25519Wallet();
    const nonces: string[] = [];
    for (let i = 0; i < 6; i++) nonces.push((await postJson(`${svc.api}/challenge`, { address: wallet.address }, from('198.51.100.12'))).json.challenge);
    const evicted = await postJson(`${svc.api}/sign-in`, wallet.body(nonces[0]!), from('198.51.100.12'));
    expect(evicted.status).toBe(401);
    expect(evicted.json.error).toBe('invalid_challenge');
    for (const nonce of nonces.slice(2)) expect((await postJson(`${svc.api}/sign-in`, wallet.body(nonce), from('198.51.100.12'))).status).toBe(200);
  });
});

describe.skipIf(noRedis())('wrong passwords for the admin\'s e-mail (Redis, default limits)', () => {
  let svc: RunningService;
  const limited: string[] = [];
  const delayed: string[] = [];
  beforeAll(async () => {
    // The slowdown's cap lowered from 5 s so that the test stays short; its budget (5) is the default.
    svc = await startService({ ...(await adminSettings()), ...slowMachine, trustProxy: 1, loginSlowdownMaxMs: 1000 }, 'redis');
    svc.service.events.on('rateLimited', (name) => limited.push(name));
    svc.service.events.on('rateDelayed', (name) => delayed.push(name));
  });
  afterAll(() => svc.close());

  const login = (ip: string, password = 'wrong guess') => postJson(`${svc.api}/login`, { email: ADMIN_EMAIL, password }, from(ip));

  it('5 wrong passwords a minute from each of 5 IPs do not lock the real admin out, and the attacker is bounded', async () => {
    // One attacker: 5 per e-mail and client per window, then 429 (before any password is checked).
    const first: number[] = [];
    for (let i = 0; i < 6; i++) first.push((await login(attackers[0]!)).status);
    expect(first).toEqual([401, 401, 401, 401, 401, 429]);
    expect(limited).toContain('login_email');
    expect(delayed).toEqual([]); // the first 5 for the e-mail are free

    // Four more attackers, 5 each: past the e-mail's budget, every attempt is slowed down, none refused.
    const rest = await Promise.all(attackers.slice(1).flatMap((ip) => Array.from({ length: 5 }, () => login(ip))));
    expect(rest.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect(delayed).toHaveLength(20);
    expect(new Set(delayed)).toEqual(new Set(['login_email_slowdown']));

    // The real admin, from its own client, gets in (slowed down too, not refused).
    const admin = await login('198.51.100.20', ADMIN_PASSWORD);
    expect(admin.status, admin.text).toBe(200);
    expect(admin.json.access_token).toEqual(expect.any(String));
    expect(delayed).toHaveLength(21);
    // And the attackers are still refused by their own budget.
    expect((await login(attackers[1]!)).status).toBe(429);
  });
});

describe.skipIf(noRedis())('IPv6 clients (Redis)', () => {
  const refresh = (api: string, ip: string) => postJson(`${api}/refresh`, { refresh_token: 'x' }, from(ip));

  it('are counted by /64 by default: another address of the same /64 is no fresh budget', async () => {
    const svc = await startService({ ...slowMachine, trustProxy: 1, rateLimitRefreshPerIp: 1 }, 'redis');
    try {
      expect((await refresh(svc.api, '2001:db8:1:2::1')).status).toBe(401);
      expect((await refresh(svc.api, '2001:db8:1:2:ffff:ffff:ffff:fffe')).status).toBe(429);
      expect((await refresh(svc.api, '2001:0db8:0001:0002:0000:0000:0000:0042')).status).toBe(429);
      // Another /64 is another client.
      expect((await refresh(svc.api, '2001:db8:1:3::1')).status).toBe(401);
      // IPv4 (also in its IPv4-mapped form) is still counted per address.
      expect((await refresh(svc.api, '192.0.2.1')).status).toBe(401);
      expect((await refresh(svc.api, '::ffff:192.0.2.1')).status).toBe(429);
      expect((await refresh(svc.api, '192.0.2.2')).status).toBe(401);
    } finally {
      await svc.close();
    }
  });

  it('by the configured prefix length (AUTH_RATE_LIMIT_IPV6_PREFIX_LENGTH)', async () => {
    const svc = await startService({ ...slowMachine, trustProxy: 1, rateLimitRefreshPerIp: 1, rateLimitIpv6PrefixLength: 48 }, 'redis');
    try {
      expect((await refresh(svc.api, '2001:db8:1:2::1')).status).toBe(401);
      expect((await refresh(svc.api, '2001:db8:1:3::1')).status).toBe(429);
      expect((await refresh(svc.api, '2001:db8:2::1')).status).toBe(401);
    } finally {
      await svc.close();
    }
  });

  it('hold their challenges per /64 too: the bound is per address and network', async () => {
    const svc = await startService({ ...slowMachine, trustProxy: 1, challengeMaxOutstanding: 1 }, 'redis');
    try {
      const wallet = ed25519Wallet();
      const a = await postJson(`${svc.api}/challenge`, { address: wallet.address }, from('2001:db8:5:6::1'));
      const b = await postJson(`${svc.api}/challenge`, { address: wallet.address }, from('2001:db8:5:6::2'));
      expect((await postJson(`${svc.api}/sign-in`, wallet.body(a.json.challenge))).json.error).toBe('invalid_challenge');
      expect((await postJson(`${svc.api}/sign-in`, wallet.body(b.json.challenge))).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
