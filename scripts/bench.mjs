#!/usr/bin/env node
// Benchmark driver: `npm run bench [-- --json] [-- --filter NAME]`.
// Each module in scripts/bench/ exports `default async function (ctx)` and calls
// `ctx.report(name, value, unit, extra)` once per case. Units follow STYLE §6:
// MB/s (10^6 bytes of input per second), ms, MiB, cores.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    filter: { type: 'string' },
    runs: { type: 'string' },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'bench');
const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort();
const rows = [];
const ctx = {
  runs: values.runs === undefined ? undefined : Number(values.runs),
  /** True when the case should run under --filter. */
  wants(name) {
    return values.filter === undefined || name.includes(values.filter);
  },
  report(name, value, unit, extra = {}) {
    const row = { name, value: Number(value.toFixed(3)), unit, ...extra };
    rows.push(row);
    if (values.json) process.stdout.write(JSON.stringify(row) + '\n');
    else process.stderr.write(`  ${name}: ${row.value} ${unit}\n`);
  },
};

for (const f of files) {
  const mod = await import(pathToFileURL(join(dir, f)).href);
  await mod.default(ctx);
}

if (!values.json) {
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'name'.padEnd(w)}  ${'value'.padStart(10)}  unit`);
  for (const r of rows)
    console.log(`${r.name.padEnd(w)}  ${String(r.value).padStart(10)}  ${r.unit}`);
}
