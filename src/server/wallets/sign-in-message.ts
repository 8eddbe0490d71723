/**
 * The Sign-In With X message (CAIP-122; EIP-4361 is its `eip155` profile): bounds checked before
 * anything else, then a strict line-by-line parse of the grammar.
 *
 * Why not the `siwe` package's parser: it is an ABNF interpreter (apg-js) that costs ~3 ms for a
 * minimal message and ~25 ms for 4 KiB of resources (32 ms measured in production), so a flood of
 * such messages stalls the event loop. This parser is one split and one anchored regex per line;
 * the worst message the bounds let through parses in microseconds (bench: `siwe-parse`), and the
 * grammar is checked against `siwe`'s on generated messages (test/server/wallets/sign-in-message.test.ts).
 *
 *   [ scheme "://" ] domain " wants you to sign in with your " chain-name " account:" LF
 *   address LF
 *   LF
 *   [ statement LF ] LF          (EIP-4361 layout; CAIP-122 namespaces may also omit the second LF
 *                                 when there is no statement, as Solana wallets do)
 *   "URI: " uri LF
 *   "Version: 1" LF
 *   "Chain ID: " chain-id LF     (optional outside eip155)
 *   "Nonce: " nonce LF
 *   "Issued At: " date-time
 *   [ LF "Expiration Time: " date-time ]
 *   [ LF "Not Before: " date-time ]
 *   [ LF "Request ID: " request-id ]
 *   [ LF "Resources:" *( LF "- " uri ) ]
 */
import { AuthError } from '../errors/index.js';

/**
 * Cost bounds, checked in one pass over the text before any parsing. A real sign-in message is a
 * few hundred bytes with a handful of resources; these leave room for long ReCap resources.
 */
export const SIGN_IN_MESSAGE_LIMITS = Object.freeze({
  /** Whole message, UTF-8 bytes. */
  maxBytes: 4096,
  /** Longest line, in UTF-16 code units (the statement, a URI, a resource). */
  maxLineChars: 1024,
  /** Most `- ` resource lines. */
  maxResources: 32,
  /** Most lines: the 13 a message can have besides its resources, plus the resources. */
  maxLines: 13 + 32,
});

export interface SignInMessage {
  scheme?: string;
  /** `host[:port]` (the authority), as written. */
  domain: string;
  /** The header's chain name (`Ethereum`, `Solana`, ...), which names the account's namespace. */
  chainName: string;
  /** The address line, as written. */
  address: string;
  statement?: string;
  uri: string;
  version: '1';
  chainId?: string;
  nonce: string;
  issuedAt: string;
  expirationTime?: string;
  notBefore?: string;
  requestId?: string;
  resources: string[];
}

export interface ParseOptions {
  /** EIP-4361 requires `Chain ID` (decimal); CAIP-122 namespaces may omit it. */
  chainIdRequired: boolean;
  /** Accept the statement-less layout with one blank line (Solana's), besides EIP-4361's two. */
  compactLayout: boolean;
}

/**
 * 400 `siwe_message_too_large` unless `message` is within SIGN_IN_MESSAGE_LIMITS. Linear in the
 * length and allocation-free, so it runs before the parser ever sees the text.
 */
export function checkMessageBounds(message: string): void {
  const { maxBytes, maxLineChars, maxResources, maxLines } = SIGN_IN_MESSAGE_LIMITS;
  // UTF-8 is at least one byte per UTF-16 unit: an over-long string is refused without encoding it.
  if (message.length > maxBytes || Buffer.byteLength(message, 'utf8') > maxBytes) throw tooLarge(`is larger than ${maxBytes} bytes`);
  let lines = 1;
  let resources = 0;
  let start = 0;
  for (let i = 0; i <= message.length; i++) {
    if (i < message.length && message.charCodeAt(i) !== 10) continue;
    if (i - start > maxLineChars) throw tooLarge(`has a line longer than ${maxLineChars} characters`);
    if (message.charCodeAt(start) === 45 /* - */ && message.charCodeAt(start + 1) === 32) resources++;
    if (i < message.length) lines++;
    start = i + 1;
  }
  if (resources > maxResources) throw tooLarge(`has more than ${maxResources} resources`);
  if (lines > maxLines) throw tooLarge(`has more than ${maxLines} lines`);
}

// One anchored regex per line, none with nested quantifiers: linear time on bounded lines.
const HEADER_RE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?([A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]+) wants you to sign in with your ([A-Za-z0-9][A-Za-z0-9 .-]{0,31}) account:$/;
const ADDRESS_RE = /^[A-Za-z0-9\-._%:]+$/;
// RFC 3986 reserved / unreserved characters and space (the grammar's statement).
const STATEMENT_RE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]+$/;
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$/;
const CHAIN_ID_EIP155_RE = /^[0-9]+$/;
// CAIP-2 reference.
const CHAIN_ID_RE = /^[-_a-zA-Z0-9]{1,32}$/;
const NONCE_RE = /^[A-Za-z0-9]{8,}$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const REQUEST_ID_RE = /^[!-~]*$/;

/**
 * Parses a bounded message (call checkMessageBounds first). Throws 400 `invalid_siwe_message`
 * naming the first line that breaks the grammar. Dates are checked for shape and range only.
 */
export function parseSignInMessage(message: string, options: ParseOptions): SignInMessage {
  const lines = message.split('\n');
  let i = 0;
  const next = (): string | undefined => lines[i++];
  const field = (prefix: string, re: RegExp, what: string): string => {
    const line = next();
    if (line === undefined || !line.startsWith(prefix)) throw invalid(`expected "${prefix.trim()}" on line ${i}`);
    const value = line.slice(prefix.length);
    if (!re.test(value)) throw invalid(`${what} on line ${i} is not valid`);
    return value;
  };
  const optional = (prefix: string, re: RegExp, what: string): string | undefined =>
    lines[i] !== undefined && lines[i]!.startsWith(prefix) ? field(prefix, re, what) : undefined;

  const header = HEADER_RE.exec(next()!);
  if (!header) throw invalid('the first line must be "<domain> wants you to sign in with your <chain> account:"');
  const address = next();
  if (address === undefined || !ADDRESS_RE.test(address)) throw invalid('the second line must be the account address');
  if (next() !== '') throw invalid('line 3 must be empty');

  let statement: string | undefined;
  if (lines[i] === '') i++;
  else if (!(options.compactLayout && lines[i]?.startsWith('URI: '))) {
    statement = next();
    if (statement === undefined || !STATEMENT_RE.test(statement)) throw invalid(`the statement on line ${i} has characters the grammar does not allow`);
    if (next() !== '') throw invalid(`line ${i} (after the statement) must be empty`);
  }

  const uri = field('URI: ', URI_RE, 'URI');
  field('Version: ', /^1$/, 'Version (must be 1)');
  const chainId = options.chainIdRequired ? field('Chain ID: ', CHAIN_ID_EIP155_RE, 'Chain ID') : optional('Chain ID: ', CHAIN_ID_RE, 'Chain ID');
  const nonce = field('Nonce: ', NONCE_RE, 'Nonce');
  const issuedAt = dateTime(field('Issued At: ', DATE_TIME_RE, 'Issued At'), 'Issued At');
  const expirationTime = opt(optional('Expiration Time: ', DATE_TIME_RE, 'Expiration Time'), 'Expiration Time');
  const notBefore = opt(optional('Not Before: ', DATE_TIME_RE, 'Not Before'), 'Not Before');
  const requestId = optional('Request ID: ', REQUEST_ID_RE, 'Request ID');
  const resources: string[] = [];
  if (lines[i] === 'Resources:') {
    i++;
    while (i < lines.length) resources.push(field('- ', URI_RE, 'resource'));
  }
  if (i !== lines.length) throw invalid(`unexpected line ${i + 1}`);

  return {
    ...(header[1] === undefined ? {} : { scheme: header[1] }),
    domain: header[2]!,
    chainName: header[3]!,
    address,
    ...(statement === undefined ? {} : { statement }),
    uri,
    version: '1',
    ...(chainId === undefined ? {} : { chainId }),
    nonce,
    issuedAt,
    ...(expirationTime === undefined ? {} : { expirationTime }),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(requestId === undefined ? {} : { requestId }),
    resources,
  };
}

/** A date-time the regex accepted, with month, day and time in range (Feb 30 is refused). */
function dateTime(value: string, what: string): string {
  const m = DATE_TIME_RE.exec(value)!;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 60 || Number.isNaN(Date.parse(value))) {
    throw invalid(`${what} is not a valid date-time`);
  }
  return value;
}

function opt(value: string | undefined, what: string): string | undefined {
  return value === undefined ? undefined : dateTime(value, what);
}

function invalid(reason: string): AuthError {
  return new AuthError('invalid_siwe_message', `\`message\` is not a valid sign-in message: ${reason}.`);
}

function tooLarge(what: string): AuthError {
  return new AuthError('siwe_message_too_large', `\`message\` ${what}; it is refused before parsing.`);
}
