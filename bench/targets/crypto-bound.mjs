// The crypto bound of one sign-in, on the server core: one access-token signature with the
// service's active key (RSA-2048 / P-256 / Ed25519, node:crypto) plus one Ed25519 verification of
// the wallet's signature. A worker: each IPC message {pem, ms, importKey} is answered with
// {rps, cpu}: sign-ins per second a server doing nothing but the crypto reaches, and the share
// of the core it got (the machine may be shared).
// `importKey`: also import the wallet's public key each time (createPublicKey in the form the
// service and the floor use on this Node): a sign-in's key arrives with the request, so a
// real sign-in cannot verify with a key imported once. The bound (0.36 ms) is without it;
// the variant is reported beside it (bench/PROFILING.md), not instead of it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyFromSpki } from '../../dist/server/wallets/spki-key.js';

// JWS signing input of a typical access token (header.claims, base64url), ~400 bytes.
const signingInput = Buffer.from('eyJhbGciOiJSUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJKV1QifQ.' + 'e'.repeat(360));
const wallet = generateKeyPairSync('ed25519');
const walletPub = createPublicKey(wallet.privateKey);
const challenge = Buffer.from('0123456789abcdef'.repeat(4));
const walletSig = sign(null, challenge, wallet.privateKey);
const walletX = wallet.publicKey.export({ format: 'jwk' }).x;
// The import the service makes per sign-in (its own helper, from the build: PEM text on Node >= 24,
// the JWK before), from the key's DER each time, as from a request.
const walletDer = wallet.publicKey.export({ format: 'der', type: 'spki' });
const walletJwk = () => ({ kty: 'OKP', crv: 'Ed25519', x: walletX });
const importEd25519 = () => publicKeyFromSpki(walletDer, walletJwk);

function tokenSigner(pemFile) {
  const key = createPrivateKey(readFileSync(pemFile));
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return () => sign('sha256', signingInput, key);
  if (type === 'ec') return () => sign('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' });
  return () => sign(null, signingInput, key);
}

function measure({ pem, ms, importKey = false }) {
  const tokenSign = tokenSigner(pem);
  const once = () => {
    tokenSign();
    const key = importKey ? importEd25519() : walletPub;
    if (!verify(null, challenge, key, walletSig)) throw new Error('verification failed');
  };
  for (let i = 0; i < 20; i++) once(); // warm-up
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    once();
    n++;
  }
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (n * 1000) / wall, serverCpu: (cpu.user + cpu.system) / 1000 / wall };
}

process.on('message', (msg) => {
  try {
    process.send(measure(msg));
  } catch (err) {
    process.send({ error: err.stack ?? String(err) });
  }
});
