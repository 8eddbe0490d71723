/**
 * A test EIP-1193 wallet for the real-browser tests. The provider object lives in the page
 * (`window.ethereum`, injected before any page script runs); the key never enters the browser:
 * `personal_sign` calls a function exposed from the test process, which signs with ethers.
 */
import { getBytes, Wallet } from 'ethers';
import type { BrowserContext } from 'playwright-core';

export interface TestWalletOptions {
  chainId: number;
  /** Answer `personal_sign` with the EIP-1193 user-rejection error (code 4001). */
  rejectSignature?: boolean;
  /** Runs in the test process after signing, before the page gets the signature. */
  afterSign?: (message: string, signature: string) => Promise<void>;
}

export interface TestWallet {
  address: string;
  /** Every message the page asked the wallet to sign. */
  signed: string[];
}

const BINDING = '__picoTestWalletSign';

export async function installTestWallet(context: BrowserContext, options: TestWalletOptions): Promise<TestWallet> {
  const wallet = Wallet.createRandom();
  // Wallets such as MetaMask hand out lowercase addresses; the page must checksum for SIWE itself.
  const address = wallet.address.toLowerCase();
  const signed: string[] = [];
  await context.exposeFunction(BINDING, async (hexMessage: string, from: string) => {
    if (from.toLowerCase() !== address) throw new Error(`personal_sign for an unknown account ${from}`);
    const message = new TextDecoder().decode(getBytes(hexMessage));
    signed.push(message);
    const signature = await wallet.signMessage(getBytes(hexMessage));
    await options.afterSign?.(message, signature);
    return signature;
  });
  await context.addInitScript(provider, { address, chainIdHex: `0x${options.chainId.toString(16)}`, reject: options.rejectSignature ?? false, binding: BINDING });
  return { address, signed };
}

/** Runs in the page (serialized by Playwright): keep it self-contained. */
function provider(opts: { address: string; chainIdHex: string; reject: boolean; binding: string }): void {
  const page = globalThis as unknown as Record<string, unknown>;
  const rpcError = (code: number, message: string) => Object.assign(new Error(message), { code });
  page.ethereum = {
    isPicoTestWallet: true,
    async request(args: { method: string; params?: unknown[] }): Promise<unknown> {
      switch (args.method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [opts.address];
        case 'eth_chainId':
          return opts.chainIdHex;
        case 'personal_sign': {
          if (opts.reject) throw rpcError(4001, 'User rejected the request.');
          const [message, from] = args.params as [string, string];
          return (page[opts.binding] as (m: string, f: string) => Promise<string>)(message, from);
        }
        default:
          throw rpcError(4200, `Unsupported method ${args.method}`);
      }
    },
  };
}
