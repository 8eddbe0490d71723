#!/usr/bin/env node
// The `pico-auth` program (also `pico-auth-keys`); everything else lives in cli.ts.
import { run } from './cli.js';

process.exitCode = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
});
