/**
 * Serves the wallet sign-in page (src/web/page) from any Express app: the sample API mounts it at
 * `/`, the auth service too when AUTH_DEMO_PAGE=true. Routes:
 * - `GET /`: the HTML, with a strict Content-Security-Policy (scripts from this origin only; the
 *   page may connect only to itself, the auth service and the API);
 * - `GET /config.json`: where the page learns the auth service and API URLs (never from its own URL,
 *   so a crafted link cannot send the token elsewhere);
 * - `GET /sign-in/<module>.js`, `GET /sign-in.css`: the page's modules and style;
 * - `GET /vendor/noble-hashes/<file>.js`: @noble/hashes (keccak-256 for EIP-55), which the page
 *   imports through an import map: no bundler, and the same audited code the server uses.
 * The modules are the `tsc` output (dist/web/page, built by `npm run build`); when running from
 * source (tsx, vitest) the .ts files are transpiled once, on first use, with the TypeScript compiler.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { PageConfig } from './page/config.js';
import { STATEMENT } from './page/siwe.js';
import { PAGE_CSS, pageHtml } from './page-html.js';

export interface SignInPageOptions {
  /** Auth service base URL as the browser reaches it; '' = the page's own origin. */
  authUrl: string;
  /** API whose `/api/me` the page calls; '' = the page's own origin (default); null = none. */
  apiUrl?: string | null;
  /** Chain ids to check before signing (the auth service's AUTH_SIWE_CHAIN_IDS); default [] (the server decides). */
  chainIds?: number[];
  /** The SIWE statement line. */
  statement?: string;
  /** Directory of the page modules; default: `page/` next to this file (compiled .js, or .ts from source). */
  moduleDir?: string;
}

const MODULE_NAME = /^[a-z][a-z0-9-]*\.js$/;
const VENDOR_NAME = /^_?[a-z0-9-]+\.js$/;
const DEFAULT_STATEMENT = 'Sign in to pico-server-auth with this wallet.';

export function signInPage(options: SignInPageOptions): Router {
  if (options.statement !== undefined && !STATEMENT.test(options.statement)) {
    throw new TypeError('signInPage: statement must be one line of the characters EIP-4361 allows (ASCII letters, digits, spaces and URI punctuation)');
  }
  const config: PageConfig = {
    authUrl: checkBase('authUrl', options.authUrl),
    apiUrl: options.apiUrl === null ? null : checkBase('apiUrl', options.apiUrl ?? ''),
    chainIds: options.chainIds ?? [],
    statement: options.statement ?? DEFAULT_STATEMENT,
  };
  const { html, importMapHash } = pageHtml();
  const csp = [
    "default-src 'none'",
    `script-src 'self' '${importMapHash}'`,
    "style-src 'self'",
    `connect-src ${["'self'", ...originsOf(config.authUrl, config.apiUrl ?? '')].join(' ')}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const modules = pageModules(options.moduleDir ?? fileURLToPath(new URL('./page/', import.meta.url)));
  const vendorDir = dirname(createRequire(import.meta.url).resolve('@noble/hashes/sha3.js'));
  const vendor = new Map<string, Buffer>();

  const router = Router();
  router.get('/', (_req, res) => {
    common(res, 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-store');
    res.send(html);
  });
  router.get('/config.json', (_req, res) => {
    common(res, 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.send(JSON.stringify(config));
  });
  router.get('/sign-in.css', (_req, res) => {
    common(res, 'text/css; charset=utf-8');
    res.send(PAGE_CSS);
  });
  router.get('/sign-in/:file', async (req, res, next) => {
    const source = MODULE_NAME.test(req.params.file) ? await modules.get(req.params.file) : undefined;
    if (source === undefined) return next();
    common(res, 'text/javascript; charset=utf-8');
    res.send(source);
  });
  router.get('/vendor/noble-hashes/:file', (req, res, next) => {
    const file = req.params.file;
    if (!VENDOR_NAME.test(file)) return next();
    let body = vendor.get(file);
    if (!body) {
      const path = join(vendorDir, file);
      if (!existsSync(path)) return next();
      body = readFileSync(path);
      vendor.set(file, body);
    }
    common(res, 'text/javascript; charset=utf-8');
    res.send(body);
  });
  return router;
}

function common(res: Response, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-cache');
}

/** '' (same origin), an absolute http(s) URL, or a path; a trailing slash is dropped. */
function checkBase(name: string, value: string): string {
  if (value === '' || value.startsWith('/')) return value.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`signInPage: ${name} must be '' (same origin), a path or an http(s) URL; got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`signInPage: ${name} must be an http(s) URL; got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

function originsOf(...bases: string[]): string[] {
  return [...new Set(bases.filter((b) => /^https?:/.test(b)).map((b) => new URL(b).origin))];
}

/** The page's modules by served name (`main.js`...), compiled or transpiled from source once. */
function pageModules(dir: string): { get(name: string): Promise<string | undefined> } {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const compiled = files.some((f) => f.endsWith('.js'));
  const cache = new Map<string, Promise<string | undefined>>();
  return {
    get(name) {
      let entry = cache.get(name);
      if (!entry) {
        entry = compiled ? readCompiled(dir, name, files) : transpileSource(dir, name, files);
        cache.set(name, entry);
      }
      return entry;
    },
  };
}

async function readCompiled(dir: string, name: string, files: string[]): Promise<string | undefined> {
  return files.includes(name) ? readFileSync(join(dir, name), 'utf8') : undefined;
}

async function transpileSource(dir: string, name: string, files: string[]): Promise<string | undefined> {
  const source = name.replace(/\.js$/, '.ts');
  if (!files.includes(source)) return undefined;
  // Development only (running from src/): typescript is a devDependency, never needed from dist.
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(readFileSync(join(dir, source), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    fileName: source,
  });
  return out.outputText;
}
