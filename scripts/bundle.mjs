#!/usr/bin/env node
// The service as one file: `<dist>/bundle/server.mjs`, bundled by esbuild from the tsc output
// `<dist>/server/main.js` with its dependencies. What the image and `npm start` run: Node then
// reads and compiles one file instead of resolving ~400 modules, which halves the start-up CPU
// and trims the idle RSS (docs/bench.md). `dist/server/*` stays the library entry and works as before.
// Usage: node scripts/bundle.mjs [--dist <dir>] (default: dist)
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const distArg = args.indexOf('--dist');
const dist = resolve(distArg >= 0 ? args[distArg + 1] : 'dist');
const outfile = join(dist, 'bundle', 'server.mjs');

// Loaded only when configured (Sign-In with Ethereum domains) or in development: they stay in
// node_modules, so a service without them never reads them.
const EXTERNAL = ['siwe', 'ethers', 'typescript'];

/**
 * `import.meta.url` keeps meaning the original module's URL: a module that finds files next to
 * itself (the sign-in page's scripts, dist/web/page/) or resolves a package from its own place
 * still does, from inside the bundle.
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, async (file) => {
      const source = await readFile(file.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const rel = relative(dirname(outfile), file.path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [join(dist, 'server', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // CommonJS dependencies call require() for Node built-ins; give the ES module one.
  banner: { js: "import { createRequire as __picoCreateRequire } from 'node:module'; const require = __picoCreateRequire(import.meta.url);" },
  // Smaller to parse; identifiers are not minified, so stack traces keep their names (and no
  // keepNames helper runs per function at start-up). The source map maps lines back to dist/
  // (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  plugins: [keepModuleUrls],
});

const inputs = Object.keys(result.metafile.inputs).length;
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
process.stderr.write(`bundle: ${relative(process.cwd(), outfile) || outfile} (${inputs} modules, ${(bytes / 1024).toFixed(0)} KiB)\n`);
