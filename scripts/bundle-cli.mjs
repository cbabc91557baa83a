#!/usr/bin/env node
// Bundles the `tessera` executable into one file (STYLE §8): importing libp2p's module graph
// unbundled costs hundreds of ms per command; one file imports in tens. Libraries stay
// unbundled; this runs after `tsc --build` and bundles the compiled JavaScript.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'packages/cli/dist/bundle/tessera.mjs');

await build({
  entryPoints: [join(root, 'packages/cli/dist/bin.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // koffi loads its platform's prebuilt binary from node_modules at run time (memory-trim.ts).
  external: ['koffi'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);",
  },
});
await chmod(outfile, 0o755);

// The CHK encoder's worker threads load `segment-worker.js` beside the module that starts them:
// in the bundle, beside tessera.mjs.
await build({
  entryPoints: [join(root, 'packages/immutable/dist/segment-worker.js')],
  outfile: join(root, 'packages/cli/dist/bundle/segment-worker.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);",
  },
});
