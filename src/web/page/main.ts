/**
 * The sign-in page: connect an EIP-1193 wallet, ask a challenge, sign a Sign-In with Ethereum
 * message, sign in, then call the API's `/api/me` with the access token and show what it says.
 * Every step is shown as it happens; every failure as a sentence (see errors.ts).
 */
import { parsePageConfig, type PageConfig } from './config.js';
import { explain, PageError, wrongChain, type ExplainContext } from './errors.js';
import { callJson, joinUrl } from './http.js';
import { buildSiweMessage } from './siwe.js';
import { chainId as walletChainId, connect, findWallet, personalSign } from './wallet.js';

interface Challenge {
  challenge: string;
  ttl: number;
  expires_at: number;
}
interface Session {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  address: string;
}

const AUTH_BASE = '/api/v1/auth';
type Step = 'connect' | 'challenge' | 'sign' | 'sign-in' | 'api';

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
  button: el<HTMLButtonElement>('sign-in'),
  status: el('status'),
  error: el('error'),
  result: el('result'),
  address: el('result-address'),
  expires: el('result-expires'),
  me: el('me'),
  message: el('message'),
  authUrl: el('auth-url'),
  apiUrl: el('api-url'),
};

function setState(state: 'idle' | 'working' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  ui.status.textContent = text;
}

function markStep(step: Step | null): void {
  for (const li of document.querySelectorAll<HTMLElement>('#steps li')) {
    const s = li.dataset.step as Step;
    const order: Step[] = ['connect', 'challenge', 'sign', 'sign-in', 'api'];
    li.dataset.done = String(step === null || order.indexOf(s) < order.indexOf(step));
    li.dataset.current = String(s === step);
  }
}

async function loadConfig(): Promise<PageConfig> {
  return parsePageConfig(await callJson('this page\'s server', new URL('config.json', document.baseURI).href));
}

async function signIn(config: PageConfig): Promise<void> {
  const ctx: ExplainContext = { origin: location.origin, chainIds: config.chainIds };
  const auth = (path: string) => joinUrl(config.authUrl, AUTH_BASE + path);
  ui.result.hidden = true;
  ui.error.hidden = true;
  ui.message.textContent = '';
  ui.button.disabled = true;
  try {
    markStep('connect');
    setState('working', 'Connecting your wallet...');
    const wallet = findWallet();
    const address = await connect(wallet);
    ctx.chainId = await walletChainId(wallet);
    if (config.chainIds.length > 0 && !config.chainIds.includes(ctx.chainId)) throw wrongChain(ctx.chainId, config.chainIds);

    markStep('challenge');
    setState('working', 'Asking the auth service for a challenge...');
    const challenge = await callJson<Challenge>('the auth service', auth('/challenge'), { body: { address } });
    ctx.ttl = challenge.ttl;

    markStep('sign');
    setState('working', 'Sign the message in your wallet...');
    const message = buildSiweMessage({
      domain: location.host,
      address,
      statement: config.statement,
      uri: location.origin + '/',
      chainId: ctx.chainId,
      nonce: challenge.challenge,
      issuedAt: new Date(),
      expirationTime: new Date(challenge.expires_at * 1000),
    });
    ui.message.textContent = message;
    const signature = await personalSign(wallet, message, address);

    markStep('sign-in');
    setState('working', 'Signing in...');
    const session = await callJson<Session>('the auth service', auth('/sign-in'), { body: { algorithm: 'EIP-4361', message, signature } });
    ui.address.textContent = session.address;
    ui.expires.textContent = `${session.expires_in} seconds`;

    if (config.apiUrl === null) {
      ui.me.textContent = JSON.stringify(tokenClaims(session.access_token), null, 2);
    } else {
      markStep('api');
      setState('working', 'Calling /api/me with the token...');
      const me = await callJson<unknown>('the API', joinUrl(config.apiUrl, '/api/me'), { bearer: session.access_token });
      ui.me.textContent = JSON.stringify(me, null, 2);
    }
    markStep(null);
    ui.result.hidden = false;
    setState('done', `Signed in as ${session.address}.`);
  } catch (err) {
    const e = explain(err, ctx);
    ui.error.textContent = e.message;
    ui.error.dataset.kind = e.kind;
    ui.error.hidden = false;
    setState('error', 'Sign-in failed.');
  } finally {
    ui.button.disabled = false;
  }
}

/** For display only (no API configured): the token's payload, unverified; the API verifies it. */
function tokenClaims(token: string): unknown {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return { note: 'No API is configured: these are the access token\'s claims, decoded (not verified) by the page.', ...JSON.parse(json) };
}

async function start(): Promise<void> {
  let config: PageConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    const e = explain(err, { origin: location.origin, chainIds: [] });
    ui.error.textContent = `This page could not load its configuration: ${e.message}`;
    ui.error.hidden = false;
    setState('error', 'Not configured.');
    return;
  }
  ui.authUrl.textContent = config.authUrl || location.origin;
  ui.apiUrl.textContent = config.apiUrl === null ? '(none)' : config.apiUrl || location.origin;
  ui.button.addEventListener('click', () => void signIn(config));
  ui.button.disabled = false;
  setState('idle', window.ethereum ? 'Ready.' : 'No browser wallet detected yet.');
}

void start().catch((err: unknown) => {
  // Only a broken page gets here; still say something instead of a silent console error.
  const e = err instanceof PageError ? err : new PageError(String(err), 'unexpected');
  document.body.textContent = `The sign-in page failed to start: ${e.message}`;
});
