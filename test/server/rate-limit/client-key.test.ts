import { describe, expect, it } from 'vitest';
import { clientKey, parsedClientKey as viaIpaddr } from '../../../src/server/rate-limit/client-key.js';

describe('clientKey', () => {
  it('an IPv4 client is its address, in either form a socket reports', () => {
    expect(clientKey('192.0.2.7', 64)).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7', 64)).toBe('192.0.2.7');
    expect(clientKey('::FFFF:192.0.2.7', 64)).toBe('192.0.2.7');
  });

  it('an IPv6 client is its network of the configured length', () => {
    expect(clientKey('2001:db8:1:2:3:4:5:6', 64)).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(clientKey('2001:db8:1:2:3:4:5:6', 128)).toBe('2001:db8:1:2:3:4:5:6/128');
  });

  it('gives the key ipaddr gives for every form, canonical or not (the shortcut takes canonical ones only)', () => {
    const forms = [
      '0.0.0.0', '255.255.255.255', '10.0.0.1', '127.0.0.1', '1.2.3.4', '199.99.9.0', '249.250.251.252',
      '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.02.3.4', '0x7f.0.0.1', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ',
      '1..2.3', '', 'unknown', '::ffff:1.2.3.4', '::ffff:01.2.3.4', '::ffff:256.0.0.1', '::ffff:7f00:1',
      '::1', '::', 'fe80::1%eth0', '2001:db8::1', '::ffff:', '::ffff:1.2.3',
    ];
    for (const ip of forms) for (const prefix of [48, 64]) expect(clientKey(ip, prefix), `${JSON.stringify(ip)} /${prefix}`).toBe(viaIpaddr(ip, prefix));
    // And every one-to-three-digit octet value in every position.
    for (let v = 0; v < 256; v++) {
      for (const ip of [`${v}.0.0.0`, `1.${v}.2.3`, `4.5.${v}.6`, `7.8.9.${v}`, `::ffff:${v}.1.1.1`]) expect(clientKey(ip, 64)).toBe(viaIpaddr(ip, 64));
    }
  });
});
