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

/** What every bundle here shares: one ESM file for Node 20, with a source map. */
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};
// Some dependencies are CommonJS and call require(); give an ESM bundle one.
const withRequire = {
  banner: {
    js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);",
  },
};

await build({
  ...common,
  ...withRequire,
  entryPoints: [join(root, 'packages/cli/dist/bin.js')],
  outfile,
  // koffi loads its platform's prebuilt binary from node_modules at run time (memory-trim.ts).
  external: ['koffi'],
});
await chmod(outfile, 0o755);

// The small entry the executable loads first (src/attach.ts): it hands commands to a running
// client node. Only `node:` imports, so it loads in a few ms; the build fails if that changes.
const attach = await build({
  ...common,
  entryPoints: [join(root, 'packages/cli/dist/attach.js')],
  outfile: join(root, 'packages/cli/dist/bundle/attach.mjs'),
  metafile: true,
});
const attachInputs = Object.keys(attach.metafile.inputs).filter((p) => p.includes('node_modules'));
if (attachInputs.length > 0) {
  throw new Error(`The attach bundle must not import packages: ${attachInputs.join(', ')}`);
}

// The CHK encoder's worker threads load `segment-worker.js` beside the module that starts them:
// in the bundle, beside tessera.mjs.
await build({
  ...common,
  ...withRequire,
  entryPoints: [join(root, 'packages/immutable/dist/segment-worker.js')],
  outfile: join(root, 'packages/cli/dist/bundle/segment-worker.js'),
});
