#!/usr/bin/env node
// The `tessera` executable: a stable file for npm to link, loading the bundled build.
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
