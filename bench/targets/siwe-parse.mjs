// The cost of a sign-in message before any signature check, on the server core. A worker: each
// IPC message {contender, ms} is answered with {usPerOp, ops, serverCpu}.
// - worst:    checkMessageBounds + parseSignInMessage (the shipped code, dist/) on the worst message
//             the bounds accept: 4096 bytes, 32 resources of equal length;
// - abnf:     the `siwe` package's ABNF parser (@spruceid/siwe-parser, apg-js) on the same message:
//             what EIP-4361 used before the bounds and the line parser (the baseline);
// - typical:  the line parser on a typical 350-byte message (statement, expiry, no resources);
// - refused:  checkMessageBounds on an over-limit message (100 resources, under the byte cap; throws 400).
import { createRequire } from 'node:module';
import { checkMessageBounds, parseSignInMessage, SIGN_IN_MESSAGE_LIMITS } from '../../dist/server/wallets/sign-in-message.js';

const require = createRequire(import.meta.url);
const { ParsedMessage } = require('@spruceid/siwe-parser');
const { SiweMessage } = require('siwe');
const { Wallet } = require('ethers');

const address = Wallet.createRandom().address;
const build = (resources, statement = 'Sign in to Example.') =>
  new SiweMessage({
    domain: 'auth.example.com', address, statement, uri: 'https://auth.example.com/login', version: '1', chainId: 1,
    nonce: 'ab'.repeat(32), issuedAt: '2030-01-01T12:00:00.000Z', expirationTime: '2030-01-01T12:05:00.000Z', resources,
  }).prepareMessage();
const resources = (n, len) => Array.from({ length: n }, (_, i) => `https://api.example.com/${String(i).padStart(4, '0')}/${'r'.repeat(len)}`);

const { maxBytes, maxResources } = SIGN_IN_MESSAGE_LIMITS;
const base = Buffer.byteLength(build(resources(maxResources, 0)));
const worst = build(resources(maxResources, Math.floor((maxBytes - base) / maxResources)));
const typical = build(undefined);
const over = build(resources(100, 0)).slice(0, maxBytes);
const EIP = { chainIdRequired: true, compactLayout: false };

// Every contender is checked once before timing: the worst is accepted, the over-limit refused.
if (Buffer.byteLength(worst) > maxBytes || Buffer.byteLength(worst) < maxBytes - maxResources) throw new Error(`worst message is ${Buffer.byteLength(worst)} bytes`);
checkMessageBounds(worst);
if (parseSignInMessage(worst, EIP).resources.length !== maxResources) throw new Error('worst message: resources not parsed');
if (new ParsedMessage(worst).resources.length !== maxResources) throw new Error('abnf: resources not parsed');
let refusedOk = false;
try {
  checkMessageBounds(over);
} catch (err) {
  refusedOk = err.code === 'siwe_message_too_large';
}
if (!refusedOk) throw new Error('over-limit message was not refused');

const contenders = {
  worst: () => parseSignInMessage((checkMessageBounds(worst), worst), EIP),
  abnf: () => new ParsedMessage(worst),
  typical: () => parseSignInMessage((checkMessageBounds(typical), typical), EIP),
  refused: () => {
    try {
      checkMessageBounds(over);
    } catch {
      return;
    }
    throw new Error('not refused');
  },
};

function measure({ contender, ms }) {
  const fn = contenders[contender];
  for (let i = 0; i < 50; i++) fn(); // warm-up (JIT)
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
  }
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { usPerOp: (wall * 1000) / n, cpuUsPerOp: (cpuMs * 1000) / n, ops: n, serverCpu: (cpu.user + cpu.system) / 1000 / wall, bytes: { worst: Buffer.byteLength(worst), typical: Buffer.byteLength(typical), over: Buffer.byteLength(over) } };
}

process.on('message', (msg) => {
  try {
    process.send(measure(msg));
  } catch (err) {
    process.send({ error: err.stack ?? String(err) });
  }
});
