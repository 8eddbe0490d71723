import ipaddr from 'ipaddr.js';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** A canonical IPv4 address: four decimal octets, no leading zeros (what ipaddr prints). */
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * The rate-limit key of a client address. An IPv4 address (also in its IPv4-mapped IPv6 form) is
 * itself; an IPv6 address is its network of `ipv6PrefixLength` bits (default /64), because one
 * subscriber is routinely given a whole /64 and could otherwise take a fresh budget with every
 * address of it. Anything that does not parse is used as it is.
 */
export function clientKey(ip: string, ipv6PrefixLength: number): string {
  // What a socket reports for an IPv4 client (dotted quad, canonical, or its IPv4-mapped form) is
  // answered without parsing: ipaddr would build an address object for the same string.
  if (DOTTED_QUAD.test(ip)) return ip;
  if (ip.startsWith('::ffff:') && DOTTED_QUAD.test(ip.slice(7))) return ip.slice(7);
  return parsedClientKey(ip, ipv6PrefixLength);
}

/** The key through ipaddr's parse: the rule for every form (the shortcut above takes the canonical IPv4 ones). */
export function parsedClientKey(ip: string, ipv6PrefixLength: number): string {
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
