/**
 * The sign-in page's HTML and CSS. The HTML holds no configuration (the page fetches config.json and
 * writes values with textContent), so nothing from a request or a setting is ever interpolated into
 * markup. The one inline script is the import map; its hash goes into the CSP.
 */
import { createHash } from 'node:crypto';

const IMPORT_MAP = JSON.stringify({ imports: { '@noble/hashes/': './vendor/noble-hashes/' } });

export function pageHtml(): { html: string; importMapHash: string } {
  const importMapHash = `sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Sign in with Ethereum · pico-server-auth</title>
<link rel="stylesheet" href="./sign-in.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="./sign-in/main.js"></script>
</head>
<body data-state="loading">
<main>
  <header>
    <h1>Sign in with Ethereum</h1>
    <p class="lead">Your wallet signs a one-time challenge from the auth service (EIP-4361); the access token it returns is then used to call the API.</p>
  </header>
  <dl class="setup">
    <dt>Auth service</dt><dd><code id="auth-url">…</code></dd>
    <dt>API</dt><dd><code id="api-url">…</code></dd>
  </dl>
  <button id="sign-in" type="button" disabled>Connect wallet and sign in</button>
  <ol id="steps">
    <li data-step="connect">Connect the wallet</li>
    <li data-step="challenge">Get a challenge</li>
    <li data-step="sign">Sign the message</li>
    <li data-step="sign-in">Sign in</li>
    <li data-step="api">Call <code>/api/me</code></li>
  </ol>
  <p id="status" role="status" aria-live="polite">Loading…</p>
  <p id="error" role="alert" hidden></p>
  <section id="result" hidden>
    <h2>Signed in</h2>
    <dl>
      <dt>Address</dt><dd><code id="result-address"></code></dd>
      <dt>Token lifetime</dt><dd id="result-expires"></dd>
    </dl>
    <h3><code>/api/me</code> answered</h3>
    <pre id="me"></pre>
  </section>
  <details>
    <summary>The signed message</summary>
    <pre id="message"></pre>
  </details>
</main>
</body>
</html>
`;
  return { html, importMapHash };
}

export const PAGE_CSS = `
:root { color-scheme: light; --fg: #1c2430; --muted: #5b6778; --line: #d9dee7; --accent: #3b5bdb; --ok: #2b8a3e; --bad: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #f4f6fa; }
main { max-width: 720px; margin: 32px auto; padding: 28px 32px; background: #fff; border: 1px solid var(--line); border-radius: 12px; }
h1 { margin: 0 0 4px; font-size: 24px; }
h2 { margin: 0 0 8px; font-size: 18px; color: var(--ok); }
h3 { margin: 16px 0 6px; font-size: 14px; color: var(--muted); }
.lead { margin: 0 0 16px; color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 16px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; }
button { font: inherit; font-weight: 600; padding: 10px 18px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
#steps { display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 16px 0; list-style: none; counter-reset: step; }
#steps li { counter-increment: step; padding: 3px 10px; border: 1px solid var(--line); border-radius: 999px; color: var(--muted); font-size: 13px; }
#steps li::before { content: counter(step) ". "; }
#steps li[data-done="true"] { border-color: var(--ok); color: var(--ok); }
#steps li[data-current="true"] { border-color: var(--accent); color: var(--accent); font-weight: 600; }
body[data-state="error"] #steps li[data-current="true"] { border-color: var(--bad); color: var(--bad); }
#status { margin: 8px 0; font-weight: 600; }
body[data-state="done"] #status { color: var(--ok); }
#error { padding: 10px 14px; border-left: 4px solid var(--bad); background: #fff5f5; color: var(--bad); }
#result { padding: 14px 16px; border: 1px solid #b2f2bb; border-radius: 8px; background: #f4fcf5; }
pre { margin: 0; padding: 10px 12px; background: #f1f3f5; border-radius: 6px; overflow: auto; max-height: 320px; }
details { margin-top: 16px; color: var(--muted); }
`;
