import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { requestClient } from '../../../src/server/rate-limit/middleware.js';

/** A request whose `ip` (Express's getter, proxy-addr underneath) counts its reads. */
function fakeRequest(ip: string | undefined, remoteAddress = '10.9.8.7') {
  const reads = { ip: 0 };
  const req = {
    socket: { remoteAddress },
    get ip() {
      reads.ip += 1;
      return ip;
    },
  } as unknown as Request;
  return { req, reads };
}

describe('requestClient', () => {
  it('works the key out once per request and prefix length, then answers from it', () => {
    const { req, reads } = fakeRequest('2001:db8:1:2:3:4:5:6');
    expect(requestClient(req, 64)).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(requestClient(req, 64)).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(requestClient(req, 64)).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(reads.ip).toBe(1);
    // Another prefix length is another key, not the remembered one.
    expect(requestClient(req, 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(reads.ip).toBe(2);
  });

  it('keeps requests apart and falls back to the socket address without req.ip', () => {
    const a = fakeRequest('192.0.2.1').req;
    const b = fakeRequest(undefined, '192.0.2.2').req;
    expect(requestClient(a, 64)).toBe('192.0.2.1');
    expect(requestClient(b, 64)).toBe('192.0.2.2');
    expect(requestClient(a, 64)).toBe('192.0.2.1');
  });
});
