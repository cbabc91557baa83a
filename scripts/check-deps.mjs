#!/usr/bin/env node
// Enforces the package graph of STYLE §2: every @tessera edge is one the architecture allows
// (a new edge needs an ADR and an entry here), declared in package.json and tsconfig
// references, imported only through the package's exports map, and the graph has no cycles.
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Allowed @tessera dependencies of each package (STYLE §2; additions recorded in docs/adr). */
const ALLOWED = {
  codec: [],
  caps: [],
  immutable: ['codec', 'caps'],
  protocol: ['caps'],
  introducer: ['protocol', 'caps'],
  'storage-server': ['caps', 'protocol', 'introducer'],
  client: ['immutable', 'caps', 'protocol', 'introducer', 'codec'],
  cli: ['codec', 'caps', 'immutable', 'protocol', 'introducer', 'storage-server', 'client'],
};

const problems = [];
const exportsCache = new Map();
const graph = new Map();

async function* walk(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name)) yield p;
  }
}

const names = (await readdir(join(root, 'packages'), { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

for (const name of names) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const tsconfig = JSON.parse(await readFile(join(dir, 'tsconfig.json'), 'utf8'));
  const allowed = ALLOWED[name];
  if (allowed === undefined) {
    problems.push(
      `packages/${name}: not in the architecture's package list (add it here with an ADR)`,
    );
    continue;
  }
  const deps = Object.keys(pkg.dependencies ?? {})
    .filter((d) => d.startsWith('@tessera/'))
    .map((d) => d.slice('@tessera/'.length));
  graph.set(name, deps);
  for (const d of deps) {
    if (!allowed.includes(d))
      problems.push(`packages/${name}: may not depend on @tessera/${d} (STYLE §2)`);
  }
  const refs = (tsconfig.references ?? []).map((r) => r.path.replace(/^\.\.\//, ''));
  for (const d of deps) {
    if (!refs.includes(d))
      problems.push(`packages/${name}: tsconfig.json lacks a reference to ../${d}`);
  }
  for (const r of refs) {
    if (!deps.includes(r))
      problems.push(`packages/${name}: tsconfig.json references ../${r}, not a dependency`);
  }
  const importRe = /(?:from\s+|import\s*\(\s*|import\s+)['"](@tessera\/[^'"]+)['"]/g;
  for (const sub of ['src', 'test']) {
    try {
      for await (const file of walk(join(dir, sub))) {
        const text = await readFile(file, 'utf8');
        for (const m of text.matchAll(importRe)) {
          const spec = m[1];
          const [, target, ...rest] = spec.split('/');
          const where = file.slice(root.length + 1);
          if (rest.length > 0 && !isExported(target, rest.join('/'))) {
            problems.push(
              `${where}: imports "${spec}", which is not in @tessera/${target}'s exports map`,
            );
          }
          if (target !== name && !deps.includes(target) && sub === 'src') {
            problems.push(
              `${where}: imports @tessera/${target}, not a dependency of @tessera/${name}`,
            );
          }
        }
      }
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
}

function isExported(target, subpath) {
  if (!exportsCache.has(target)) {
    try {
      const text = readFileSync(join(root, 'packages', target, 'package.json'), 'utf8');
      exportsCache.set(target, Object.keys(JSON.parse(text).exports ?? {}));
    } catch {
      exportsCache.set(target, []);
    }
  }
  return exportsCache.get(target).includes(`./${subpath}`);
}

// Cycles.
const state = new Map();
function visit(n, stack) {
  if (state.get(n) === 'done') return;
  if (state.get(n) === 'active') {
    problems.push(`dependency cycle: ${[...stack, n].join(' → ')}`);
    return;
  }
  state.set(n, 'active');
  for (const d of graph.get(n) ?? []) visit(d, [...stack, n]);
  state.set(n, 'done');
}
for (const n of graph.keys()) visit(n, []);

if (problems.length > 0) {
  for (const p of problems) console.error(`check-deps: ${p}`);
  process.exit(1);
}
console.log(`check-deps: ${graph.size} packages, graph OK`);
