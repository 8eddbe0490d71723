import ipaddr from 'ipaddr.js';

/**
 * The rate-limit key of a client address. An IPv4 address (also in its IPv4-mapped IPv6 form) is
 * itself; an IPv6 address is its network of `ipv6PrefixLength` bits (default /64), because one
 * subscriber is routinely given a whole /64 and could otherwise take a fresh budget with every
 * address of it. Anything that does not parse is used as it is.
 */
export function clientKey(ip: string, ipv6PrefixLength: number): string {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return ip;
  }
  if (addr.kind() === 'ipv4') return addr.toString();
  const bytes = addr.toByteArray();
  for (let bit = ipv6PrefixLength; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${(ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toNormalizedString()}/${ipv6PrefixLength}`;
}
