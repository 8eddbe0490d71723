#!/usr/bin/env node
// Generates the values table of the pico-auth chart from the `# --` comments of values.yaml (the
// helm-docs convention) and keeps it in sync in helm/pico-auth/README.md and docs/deploy.md,
// between <!-- values-table:start --> and <!-- values-table:end -->.
//   node helm/values-table.mjs           print the table
//   node helm/values-table.mjs --write   update both files
//   node helm/values-table.mjs --check   exit 1 if a file is out of date or a value is undocumented
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const valuesFile = join(here, 'pico-auth/values.yaml');
const targets = [join(here, 'pico-auth/README.md'), join(here, '../docs/deploy.md')];
const START = '<!-- values-table:start -->';
const END = '<!-- values-table:end -->';

/** Rows (key path, default, description) and the keys that need a comment but have none. */
export function valuesRows(text) {
  const values = parse(text);
  const rows = [];
  const undocumented = [];
  const stack = []; // [{indent, key}]
  let comment = [];
  for (const line of text.split('\n')) {
    const doc = /^\s*# -- (.*)$/.exec(line);
    if (doc) {
      comment = [doc[1]];
      continue;
    }
    const key = /^(\s*)([A-Za-z0-9_]+):(.*)$/.exec(line);
    if (!key) {
      if (!/^\s*#/.test(line) && !/^\s*-/.test(line) && line.trim() !== '') comment = [];
      if (line.trim() === '') comment = [];
      continue;
    }
    const indent = key[1].length;
    while (stack.length && stack.at(-1).indent >= indent) stack.pop();
    stack.push({ indent, key: key[2] });
    const path = stack.map((s) => s.key);
    const value = path.reduce((v, k) => (v == null ? undefined : v[k]), values);
    const isParent = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 && key[3].trim() === '';
    const underDocumented = rows.some((r) => path.join('.').startsWith(`${r.key}.`));
    if (comment.length) rows.push({ key: path.join('.'), value, description: comment.join(' ') });
    // A parent map needs no comment of its own (its children have theirs); nor does a key inside a documented object.
    else if (!isParent && !underDocumented) undocumented.push(path.join('.'));
    comment = [];
  }
  return { rows, undocumented };
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
function render(rows) {
  const fmt = (v) => (v === undefined ? '' : `\`${cell(JSON.stringify(v))}\``);
  return ['| Key | Default | Description |', '|---|---|---|', ...rows.map((r) => `| \`${r.key}\` | ${fmt(r.value)} | ${cell(r.description)} |`)].join('\n');
}

export function valuesTable() {
  return render(valuesRows(readFileSync(valuesFile, 'utf8')).rows);
}

function splice(content, table) {
  const a = content.indexOf(START);
  const b = content.indexOf(END);
  if (a < 0 || b < a) throw new Error('markers not found');
  return `${content.slice(0, a + START.length)}\n${table}\n${content.slice(b)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const { rows, undocumented } = valuesRows(readFileSync(valuesFile, 'utf8'));
  const table = render(rows);
  if (!mode) {
    process.stdout.write(`${table}\n`);
  } else {
    let stale = [];
    for (const file of targets) {
      const before = readFileSync(file, 'utf8');
      const after = splice(before, table);
      if (after !== before) {
        if (mode === '--write') writeFileSync(file, after);
        else stale.push(file);
      }
    }
    if (undocumented.length) console.error(`values.yaml keys without a "# --" comment: ${undocumented.join(', ')}`);
    if (stale.length) console.error(`out of date (run node helm/values-table.mjs --write): ${stale.join(', ')}`);
    process.exitCode = (mode === '--check' && (stale.length || undocumented.length)) || undocumented.length ? 1 : 0;
  }
}
