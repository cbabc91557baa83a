#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --initial-old-space-size=64 --max-semi-space-size=4
// The `tessera` executable: a stable file for npm to link, loading the bundled build.
// The V8 flags above are part of the product (docs/PERFORMANCE.md "Process flags"): a larger
// initial old-space limit stops V8 from running a full GC every few MiB of transferred buffers,
// and a 4 MiB young generation stays in cache; together they cut a 100 MiB transfer's client
// CPU by about a fifth. MALLOC_ARENA_MAX=2 keeps glibc from giving each of a process's threads
// its own heap arena, where freed buffers stay fragmented (docs/PERFORMANCE.md "Third pass").
// `node tessera.mjs` runs without them.
//
// First the small attach bundle: when a client node runs on the command's node directory
// (`tessera run DIR`, or `grid up`), it runs `put`, `get` and `servers` on its open connections
// and this process only relays bytes (docs/ARCHITECTURE.md "Attached commands"). Otherwise,
// or with TESSERA_NO_ATTACH=1, the full CLI runs the command in this process.
async function load(file) {
  try {
    return await import(file);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(file.slice(3))) {
      process.stderr.write('tessera: not built yet: run "npm run build" first (CLI_NOT_BUILT)\n');
      process.exit(1);
    }
    throw err;
  }
}

const code =
  process.env.TESSERA_NO_ATTACH === '1'
    ? undefined
    : await (await load('../dist/bundle/attach.mjs')).attachProcess();
if (code === undefined) await load('../dist/bundle/tessera.mjs');
// Flush stdout before exiting: a pipe may still hold the last write.
else process.stdout.write('', () => process.exit(code));
