#!/usr/bin/env -S node --initial-old-space-size=64 --max-semi-space-size=4
// The `tessera` executable: a stable file for npm to link, loading the bundled build.
// The V8 flags above are part of the product (docs/PERFORMANCE.md "Process flags"): a larger
// initial old-space limit stops V8 from running a full GC every few MiB of transferred buffers,
// and a 4 MiB young generation stays in cache; together they cut a 100 MiB transfer's client
// CPU by about a fifth. `node tessera.mjs` runs without them.
try {
  await import('../dist/bundle/tessera.mjs');
} catch (err) {
  if (
    err?.code === 'ERR_MODULE_NOT_FOUND' &&
    String(err.message).includes('dist/bundle/tessera.mjs')
  ) {
    process.stderr.write('tessera: not built yet: run "npm run build" first (CLI_NOT_BUILT)\n');
    process.exit(1);
  }
  throw err;
}
