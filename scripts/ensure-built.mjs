#!/usr/bin/env node
// `prestart:sample`: builds only when there is no build yet. `npm start` builds everything (the
// service's bundle and the sample), so the sample started beside it reuses that build and never
// rebuilds the bundle the running service uses.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const needed = ['dist/sample/main.js', 'dist/client/index.js', 'dist/web/page'];
const missing = needed.filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.log(`no build yet (${missing.join(', ')} missing): npm run build`);
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
