import { describe, expect, it } from 'vitest';
import { ServiceEvents } from '../../../src/server/events.js';
import { Registry } from 'prom-client';
import { defineMetrics } from '../../../src/server/metrics/definitions.js';
import { countServiceEvents } from '../../../src/server/metrics/events.js';
import { BoundedLabel, methodLabel, oneOf, statusClass } from '../../../src/server/metrics/labels.js';
import { parseExposition, total, value } from './exposition.js';

describe('label values', () => {
  it('status classes and methods come from closed lists', () => {
    expect([200, 204, 304, 401, 429, 503].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx']);
    expect([0, 99, 600, 999].map(statusClass)).toEqual(['other', 'other', 'other', 'other']);
    expect(['GET', 'POST', 'HEAD', 'PROPFIND', 'get', undefined].map(methodLabel)).toEqual(['GET', 'POST', 'HEAD', 'other', 'other', 'other']);
    expect(oneOf(['a', 'b'], 'b', 'a')).toBe('b');
    expect(oneOf(['a', 'b'], 'constructor', 'a')).toBe('a');
    expect(oneOf(['a', 'b'], 42, 'a')).toBe('a');
  });

  it('a bounded label passes identifiers up to its cap, then says other', () => {
    const label = new BoundedLabel(2);
    expect(label.value('sign_in_ip')).toBe('sign_in_ip');
    expect(label.value('0xdeadbeef')).toBe('other'); // not an identifier
    expect(label.value('a b')).toBe('other');
    expect(label.value('x'.repeat(49))).toBe('other');
    expect(label.value({})).toBe('other');
    expect(label.value('login_email')).toBe('login_email');
    expect(label.value('third')).toBe('other'); // over the cap
    expect(label.value('sign_in_ip')).toBe('sign_in_ip'); // known values keep passing
  });
});

describe('event counters', () => {
  it('map values outside the closed lists to unknown / error / other, and stop once unsubscribed', async () => {
    const registry = new Registry();
    const events = new ServiceEvents();
    const stop = countServiceEvents(events, defineMetrics(registry), ['Ed25519']);
    events.emit('signIn', 'Ed25519', 'success');
    events.emit('signIn', '0x1234abcd', 'bad_signature');
    events.emit('signIn', 'Ed25519', 'weird' as never);
    events.emit('refresh', 'weird' as never);
    events.emit('login', 'weird' as never);
    events.emit('tokenIssued', 'weird' as never);
    for (let i = 0; i < 40; i++) events.emit('rateLimited', `limiter_${i}`);
    events.emit('rateLimited', '10.0.0.1');
    events.emit('revocation');
    events.emit('challengeIssued');
    stop();
    events.emit('challengeIssued');
    events.emit('signIn', 'Ed25519', 'success');

    const m = parseExposition(await registry.metrics());
    expect(value(m, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'success' })).toBe(1);
    expect(value(m, 'pico_auth_sign_ins_total', { algorithm: 'unknown', outcome: 'bad_signature' })).toBe(1);
    expect(value(m, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'error' })).toBe(1);
    expect(value(m, 'pico_auth_refreshes_total', { outcome: 'invalid' })).toBe(1);
    expect(value(m, 'pico_auth_logins_total', { outcome: 'error' })).toBe(1);
    expect(total(m, 'pico_auth_tokens_issued_total')).toBe(0);
    const limiters = m.filter((s) => s.name === 'pico_auth_rate_limited_total');
    expect(limiters).toHaveLength(33); // 32 names, then `other`
    expect(value(m, 'pico_auth_rate_limited_total', { limiter: 'other' })).toBe(9);
    expect(value(m, 'pico_auth_revocations_total')).toBe(1);
    expect(value(m, 'pico_auth_challenges_issued_total')).toBe(1);
  });
});
