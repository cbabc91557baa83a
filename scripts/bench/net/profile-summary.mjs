#!/usr/bin/env node
// Summarises a .cpuprofile (node --cpu-prof): busy time by package and the top functions by
// self time, idle excluded.   node profile-summary.mjs FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 25);
const selfTime = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let busy = 0;
const byFunction = new Map();
const byPackage = new Map();
for (const node of profile.nodes) {
  const t = selfTime.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  if (t === 0 || functionName === '(idle)') continue;
  busy += t;
  const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const pkg = m
    ? m[1]
    : url.startsWith('node:')
      ? url.split('/').slice(0, 2).join('/')
      : url || functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
}
const pct = (t) => ((t / busy) * 100).toFixed(1).padStart(5) + '%';
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
console.log('by package:');
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`  ${pct(t)}  ${k}`);
console.log('by function (self time):');
for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(t)}  ${k}`);
