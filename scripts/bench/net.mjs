// Transport benchmarks (STYLE §6): 256 MiB over one connection or stream between this process
// (the sender) and a child process (the receiver, scripts/bench/net/receiver.mjs) on 127.0.0.1.
//   net.tcp                    plain TCP socket
//   net.tls                    TLS 1.3 (Node's default suite) with a self-signed cert made by
//                              the openssl CLI at run time (skipped without openssl)
//   net.libp2p.stream          one bare libp2p stream on the node @tessera/protocol builds
//                              (TCP + Noise + yamux, with its Noise crypto and yamux windows)
//   net.libp2p.stream.baseline the same with the libraries' defaults (Noise crypto, 256 KiB
//                              initial yamux window), to show what the tuning buys
// Reports the median MB/s of `runs` runs after one warm-up; `receiverCores` is the receiver's
// CPU time (all threads) over its wall time from first byte to last. Profile the receiver with
// NET_BENCH_PROFILE=<dir> (node --cpu-prof), then
//   node scripts/bench/net/profile-summary.mjs <dir>/<file>.cpuprofile
// NET_BENCH_RECEIVER_FLAGS="--single-threaded-gc" runs the receiver with extra node flags
// (reported as `receiverFlags`), to try process-level settings a Tessera binary could adopt.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { mbps, median } from '../lib/timing.mjs';

const TOTAL_BYTES = 256 * 1024 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x5a);
const here = dirname(fileURLToPath(import.meta.url));

function receiverFlags() {
  return (process.env.NET_BENCH_RECEIVER_FLAGS ?? '').split(' ').filter((f) => f !== '');
}

/** Starts the receiver child; resolves with its ready line and a stop function. */
async function startReceiver(mode, options = {}) {
  const args = receiverFlags();
  if (process.env.NET_BENCH_PROFILE)
    args.push('--cpu-prof', `--cpu-prof-dir=${process.env.NET_BENCH_PROFILE}`);
  const child = spawn(
    process.execPath,
    [...args, join(here, 'net', 'receiver.mjs'), mode, JSON.stringify(options)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const first = await lines.next();
  clearTimeout(timer);
  if (first.done) throw new Error(`receiver ${mode} exited before it was ready`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ready: JSON.parse(first.value),
    async stop() {
      child.stdin.end();
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** Sends TOTAL_BYTES on a Node socket with backpressure; resolves with the receiver's report. */
async function sendSocket(socket) {
  const reply = [];
  socket.on('data', (d) => reply.push(d));
  const ended = new Promise((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  for (let sent = 0; sent < TOTAL_BYTES; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  await ended;
  return JSON.parse(Buffer.concat(reply).toString('utf8'));
}

async function runs(ctx, once) {
  const n = ctx.runs ?? 5;
  await once(); // warm-up: JIT, TCP slow start, yamux window growth
  const results = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const report = await once();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (report.bytes !== TOTAL_BYTES) throw new Error(`receiver counted ${report.bytes} bytes`);
    results.push({
      mbps: mbps(TOTAL_BYTES, seconds),
      cores: report.cpuSeconds / report.seconds,
      gcShare: report.gcSeconds / report.seconds,
      gcs: report.gcs,
    });
  }
  return {
    value: median(results.map((r) => r.mbps)),
    extra: {
      receiverCores: Number(median(results.map((r) => r.cores)).toFixed(2)),
      // share of the receiver's wall time spent in main-thread GC pauses, and their count
      receiverGcShare: Number(median(results.map((r) => r.gcShare)).toFixed(2)),
      receiverGcs: median(results.map((r) => r.gcs)),
      runsMBps: results.map((r) => Number(r.mbps.toFixed(0))),
      bytes: TOTAL_BYTES,
      ...(receiverFlags().length > 0 ? { receiverFlags: receiverFlags().join(' ') } : {}),
    },
  };
}

async function benchTcp(ctx) {
  const receiver = await startReceiver('tcp');
  try {
    return await runs(ctx, async () => {
      const socket = net.connect(receiver.ready.port, '127.0.0.1');
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      return sendSocket(socket);
    });
  } finally {
    await receiver.stop();
  }
}

async function benchTls(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      return undefined;
    }
    const receiver = await startReceiver('tls', { key, cert });
    let cipher;
    try {
      const result = await runs(ctx, async () => {
        const socket = tls.connect({
          port: receiver.ready.port,
          host: '127.0.0.1',
          rejectUnauthorized: false,
        });
        await new Promise((resolve, reject) =>
          socket.once('secureConnect', resolve).once('error', reject),
        );
        cipher = socket.getCipher().name;
        return sendSocket(socket);
      });
      result.extra.cipher = cipher;
      return result;
    } finally {
      await receiver.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchLibp2p(ctx, nodeOptions) {
  await import('@tessera/protocol/polyfill');
  const { BENCH_SINK_PROTOCOL, createTesseraNode, generateNodeKey } =
    await import('@tessera/protocol');
  const { multiaddr } = await import('@multiformats/multiaddr');
  const receiver = await startReceiver('libp2p', { node: nodeOptions });
  const node = await createTesseraNode({ privateKey: await generateNodeKey(), ...nodeOptions });
  try {
    const addrs = receiver.ready.addrs.map((a) => multiaddr(a));
    return await runs(ctx, async () => {
      const stream = await node.dialProtocol(addrs, BENCH_SINK_PROTOCOL);
      const reply = [];
      stream.addEventListener('message', (evt) => reply.push(evt.data.subarray()));
      const ended = new Promise((resolve) =>
        stream.addEventListener('remoteCloseWrite', resolve, { once: true }),
      );
      for (let sent = 0; sent < TOTAL_BYTES; sent += CHUNK.length) {
        if (!stream.send(CHUNK)) await stream.onDrain();
      }
      await stream.close();
      await ended;
      return JSON.parse(Buffer.concat(reply).toString('utf8'));
    });
  } finally {
    await node.stop();
    await receiver.stop();
  }
}

export default async function netBench(ctx) {
  let tlsMBps;
  if (ctx.wants('net.tcp')) {
    const r = await benchTcp(ctx);
    ctx.report('net.tcp', r.value, 'MB/s', r.extra);
  }
  if (ctx.wants('net.tls')) {
    const r = await benchTls(ctx);
    if (r === undefined)
      process.stderr.write('  net.tls: skipped (no openssl to make a certificate)\n');
    else {
      tlsMBps = r.value;
      ctx.report('net.tls', r.value, 'MB/s', r.extra);
    }
  }
  const ratio = (v) =>
    tlsMBps === undefined ? {} : { ratioToTls: Number((v / tlsMBps).toFixed(2)) };
  if (ctx.wants('net.libp2p.stream')) {
    const r = await benchLibp2p(ctx, {});
    ctx.report('net.libp2p.stream', r.value, 'MB/s', { ...r.extra, ...ratio(r.value) });
  }
  if (ctx.wants('net.libp2p.stream.baseline')) {
    const r = await benchLibp2p(ctx, { noiseCrypto: null, initialStreamWindowBytes: 256 * 1024 });
    ctx.report('net.libp2p.stream.baseline', r.value, 'MB/s', { ...r.extra, ...ratio(r.value) });
  }
}
