/** The EIP-1193 calls the page makes (`window.ethereum`), with errors as WalletError. */
import { PageError, WalletError } from './errors.js';
import { parseChainId, utf8ToHex } from './siwe.js';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export function findWallet(): Eip1193Provider {
  const provider = window.ethereum;
  if (!provider || typeof provider.request !== 'function') {
    throw new PageError('No browser wallet found: install an EIP-1193 wallet (MetaMask, Rabby, Coinbase Wallet...) and reload this page.', 'no_wallet');
  }
  return provider;
}

async function call(provider: Eip1193Provider, method: string, params?: unknown[]): Promise<unknown> {
  try {
    return await provider.request(params === undefined ? { method } : { method, params });
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown } | null;
    const code = typeof e?.code === 'number' ? e.code : undefined;
    throw new WalletError(typeof e?.message === 'string' && e.message ? e.message : String(err), code);
  }
}

/** The first account the wallet exposes, lowercase (the form POST /challenge canonicalizes to). */
export async function connect(provider: Eip1193Provider): Promise<string> {
  const accounts = await call(provider, 'eth_requestAccounts');
  const first = Array.isArray(accounts) ? accounts[0] : undefined;
  if (typeof first !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(first)) {
    throw new PageError('The wallet did not share an Ethereum account; unlock it and allow this site.', 'no_account');
  }
  return first.toLowerCase();
}

export async function chainId(provider: Eip1193Provider): Promise<number> {
  return parseChainId(await call(provider, 'eth_chainId'));
}

/** EIP-191 `personal_sign` of the message's UTF-8 bytes by `address`: 65 bytes, 0x-hex. */
export async function personalSign(provider: Eip1193Provider, message: string, address: string): Promise<string> {
  const signature = await call(provider, 'personal_sign', [utf8ToHex(message), address]);
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new PageError('The wallet returned something that is not a signature.', 'wallet_error');
  }
  return signature;
}
