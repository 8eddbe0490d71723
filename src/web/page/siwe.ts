/**
 * The Sign-In with Ethereum (EIP-4361) message, built by hand: the server parses it with the `siwe`
 * package (ABNF grammar), so only the layout below has to be right, and the page needs no bundler.
 * No DOM here: the Node tests import this module directly and check it against the `siwe` parser.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';

export interface SiweFields {
  /** `host[:port]` of the page; the server only accepts its AUTH_SIWE_DOMAINS. */
  domain: string;
  /** The wallet address, any case: written EIP-55 checksummed, as the grammar requires. */
  address: string;
  /** One line shown to the person signing. */
  statement: string;
  /** The page's URL (an RFC 3986 URI). */
  uri: string;
  chainId: number;
  /** The challenge from POST /challenge (64 hex). */
  nonce: string;
  issuedAt: Date;
  expirationTime?: Date;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** EIP-4361's grammar: statement = 1*( reserved / unreserved / " " ) (RFC 3986 characters, ASCII only). */
export const STATEMENT = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]+$/;

/** EIP-55: each hex letter is upper case when the matching nibble of keccak-256(lowercase hex) is >= 8. */
export function toChecksumAddress(address: string): string {
  if (!ADDRESS.test(address)) throw new TypeError(`Not an Ethereum address: ${address}`);
  const hex = address.slice(2).toLowerCase();
  const hash = keccak_256(new TextEncoder().encode(hex));
  let out = '0x';
  for (let i = 0; i < hex.length; i++) {
    const byte = hash[i >> 1] ?? 0;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    out += nibble >= 8 ? hex[i]!.toUpperCase() : hex[i]!;
  }
  return out;
}

/** The message exactly as EIP-4361 lays it out (the statement variant). */
export function buildSiweMessage(f: SiweFields): string {
  if (!STATEMENT.test(f.statement)) throw new TypeError('The statement must be one non-empty line of the characters EIP-4361 allows (ASCII letters, digits, spaces and URI punctuation).');
  if (!Number.isSafeInteger(f.chainId) || f.chainId <= 0) throw new TypeError(`Invalid chain id: ${f.chainId}`);
  const lines = [
    `${f.domain} wants you to sign in with your Ethereum account:`,
    toChecksumAddress(f.address),
    '',
    f.statement,
    '',
    `URI: ${f.uri}`,
    'Version: 1',
    `Chain ID: ${f.chainId}`,
    `Nonce: ${f.nonce}`,
    `Issued At: ${f.issuedAt.toISOString()}`,
  ];
  if (f.expirationTime) lines.push(`Expiration Time: ${f.expirationTime.toISOString()}`);
  return lines.join('\n');
}

/** `personal_sign` takes the message as 0x-hex of its UTF-8 bytes (what wallets expect). */
export function utf8ToHex(text: string): string {
  let hex = '0x';
  for (const b of new TextEncoder().encode(text)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** `eth_chainId` answers a 0x-hex quantity. */
export function parseChainId(value: unknown): number {
  const n = typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value) ? Number.parseInt(value, 16) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new TypeError(`The wallet answered an invalid chain id: ${String(value)}`);
  return n;
}
