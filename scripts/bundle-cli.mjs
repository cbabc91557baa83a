#!/usr/bin/env node
// Bundles the `tessera` executable into one file (STYLE §8): importing libp2p's module graph
// unbundled costs hundreds of ms per command; one file imports in tens. Libraries stay
// unbundled; this runs after `tsc --build` and bundles the compiled JavaScript.
import { build } from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';
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

/**
 * libp2p's peer store and peer records sort multiaddrs, protocol ids and metadata keys with
 * `localeCompare`, only to get a stable order: the first call loads ICU's collation data, about
 * 2 MB of resident memory in every node (measured: ICU pages resident 0.46 MB in a bare Node,
 * 2.4 MB after one `localeCompare`). In those files the calls compare UTF-16 code units
 * instead, which orders the same ASCII strings just as stably. The build fails if the calls
 * are not found as expected (a new library version: look again).
 */
const codeUnitOrder = {
  name: 'code-unit-order',
  setup(b) {
    const files = /@libp2p[\\/](peer-store|peer-record)[\\/]dist[\\/]src[\\/].*\.js$/;
    b.onLoad({ filter: files }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('localeCompare')) return undefined;
      const call = /([\w$.]+(?:\(\))?)\.localeCompare\(([\w$.]+(?:\(\))?)\)/g;
      const contents = source.replace(call, '__tesseraCompare($1, $2)');
      if (contents.includes('localeCompare')) {
        throw new Error(`${args.path}: a localeCompare call of an unexpected shape`);
      }
      const helper = 'const __tesseraCompare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);\n';
      return { contents: helper + contents, loader: 'js' };
    });
  },
};

const main = await build({
  ...common,
  ...withRequire,
  entryPoints: [join(root, 'packages/cli/dist/bin.js')],
  outfile,
  // koffi loads its platform's prebuilt binary from node_modules at run time (memory-trim.ts).
  external: ['koffi'],
  plugins: [codeUnitOrder],
  metafile: true,
});
const patched = Object.keys(main.metafile.inputs).filter((p) =>
  /@libp2p\/(peer-store|peer-record)\//.test(p),
);
if (patched.length === 0) throw new Error('code-unit-order: the libp2p peer store was not bundled');
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
