#!/usr/bin/env node
// package.json `bin` (pico-auth, and pico-auth-keys, its former name): runs the compiled CLI.
// This file is in the repository, not in dist/, so that `npx pico-auth` in a fresh clone links a
// bin that exists and can say what to do when the build has not run yet.
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('pico-auth: the CLI is not built yet. Run `npm run build` (or `npm start`, which builds) first.');
    process.exit(1);
  }
  throw err;
}
