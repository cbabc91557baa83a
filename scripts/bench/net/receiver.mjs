#!/usr/bin/env node
// Receiving side of scripts/bench/net.mjs, run as its own process:
//   node receiver.mjs tcp|tls|libp2p [JSON options]
// Prints one JSON ready line ({ port } or { addrs }), then for every connection (tcp, tls) or
// stream (libp2p) counts the bytes until the sender closes, and answers on the same
// connection with one JSON line: { bytes, seconds, cpuSeconds } measured from the first byte.
// Exits when its stdin closes (so `--cpu-prof` can write its profile).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import tls from 'node:tls';

// main-thread GC pauses, by kind (1 minor, 2 major, 4 incremental, 8 weak callbacks)
let gcMs = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

const mode = process.argv[2];
const options = JSON.parse(process.argv[3] ?? '{}');

/** Byte counter with CPU accounting from the first byte. */
function meter() {
  let bytes = 0;
  let t0 = 0n;
  let cpu0;
  let gc0 = 0;
  let gcCount0 = 0;
  return {
    add(n) {
      if (bytes === 0) {
        t0 = process.hrtime.bigint();
        cpu0 = process.cpuUsage();
        gc0 = gcMs;
        gcCount0 = gcCount;
      }
      bytes += n;
    },
    result() {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      return (
        JSON.stringify({
          bytes,
          seconds,
          cpuSeconds,
          gcSeconds: (gcMs - gc0) / 1e3,
          gcs: gcCount - gcCount0,
        }) + '\n'
      );
    },
  };
}

let stop;
if (mode === 'tcp' || mode === 'tls') {
  const onSocket = (socket) => {
    const m = meter();
    socket.on('data', (chunk) => m.add(chunk.length));
    socket.on('end', () => socket.end(m.result()));
    socket.on('error', () => socket.destroy());
  };
  const server =
    mode === 'tls'
      ? tls.createServer(
          { key: readFileSync(options.key), cert: readFileSync(options.cert) },
          onSocket,
        )
      : net.createServer(onSocket);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  stop = () => new Promise((resolve) => server.close(resolve));
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
} else if (mode === 'libp2p') {
  await import('@tessera/protocol/polyfill');
  const { BENCH_SINK_PROTOCOL, createTesseraNode, generateNodeKey } =
    await import('@tessera/protocol');
  const node = await createTesseraNode({
    privateKey: await generateNodeKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    ...options.node,
  });
  await node.handle(BENCH_SINK_PROTOCOL, (stream) => {
    const m = meter();
    stream.addEventListener('message', (evt) => m.add(evt.data.byteLength));
    stream.addEventListener('remoteCloseWrite', () => {
      stream.send(Buffer.from(m.result()));
      void stream.close();
    });
  });
  stop = () => node.stop();
  process.stdout.write(JSON.stringify({ addrs: node.getMultiaddrs().map(String) }) + '\n');
} else {
  process.stderr.write(`receiver: unknown mode "${mode}"\n`);
  process.exit(2);
}

process.stdin.resume();
process.stdin.on('end', () => {
  void stop().finally(() => process.exit(0));
});
