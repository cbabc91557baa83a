// Storage protocol benchmarks (STYLE §6): one client in this process, one storage node in a child
// process (scripts/bench/storage/server.mjs, the built dist) on a temp dir, over 127.0.0.1.
//   storage.write.256MiB   allocate one 256 MiB share, write it in 1 MiB `write` requests
//                          (8 in flight), close it (fsync + rename): MB/s of share bytes
//   storage.read.256MiB    read that share back in 1 MiB `read` requests (8 in flight)
// Each run uses a fresh storage index and cancels its lease afterwards (deleting the share).
// Reports the median of `runs` runs (default 3) after one warm-up, with the CPU seconds per GiB
// of the client (this process) and the storage node in the median run. Profile the storage node with
// STORAGE_BENCH_PROFILE=<dir> (node --cpu-prof), then
//   node scripts/bench/net/profile-summary.mjs <dir>/<file>.cpuprofile
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuSecondsPrecise } from '../lib/proc.mjs';
import { mbps, median } from '../lib/timing.mjs';

const TOTAL_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const IN_FLIGHT = 8;
const here = dirname(fileURLToPath(import.meta.url));

async function startServer(dir) {
  const args = [];
  const profile = process.env.STORAGE_BENCH_PROFILE;
  if (profile) args.push('--cpu-prof', `--cpu-prof-dir=${profile}`);
  // Node flags for the storage node, to try process-level settings (like scripts/bench/net.mjs).
  args.push(...(process.env.STORAGE_BENCH_SERVER_FLAGS ?? '').split(' ').filter((f) => f !== ''));
  const child = spawn(process.execPath, [...args, join(here, 'storage', 'server.mjs'), dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const first = await lines.next();
  clearTimeout(timer);
  if (first.done) throw new Error('storage node exited before it was ready');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ready: JSON.parse(first.value),
    pid: child.pid,
    async stop() {
      child.stdin.end();
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** CPU seconds (all threads) of this process and of process `pid` so far. */
function cpuSeconds(pid) {
  const own = process.cpuUsage();
  return { client: (own.user + own.system) / 1e6, server: cpuSecondsPrecise(pid) };
}

/** CPU seconds per GiB moved, client and server, between two cpuSeconds() readings. */
function cpuPerGiB(before, after) {
  const gib = TOTAL_BYTES / 2 ** 30;
  return {
    clientCpuSPerGiB: Number(((after.client - before.client) / gib).toFixed(2)),
    serverCpuSPerGiB: Number(((after.server - before.server) / gib).toFixed(2)),
  };
}

/** The share's bytes: one random 1 MiB chunk, repeated. */
function* shareChunks(chunk) {
  for (let sent = 0; sent < TOTAL_BYTES; sent += chunk.length) yield chunk;
}

export default async function storageBench(ctx) {
  const wantWrite = ctx.wants('storage.write.256MiB');
  const wantRead = ctx.wants('storage.read.256MiB');
  if (!wantWrite && !wantRead) return;
  await import('@tessera/protocol/polyfill');
  const { createTesseraNode, generateNodeKey, rpcClient, storageClient, storageServiceDefinition } =
    await import('@tessera/protocol');
  const { multiaddr } = await import('@multiformats/multiaddr');

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-storage-'));
  const server = await startServer(dir);
  const node = await createTesseraNode({ privateKey: await generateNodeKey() });
  const api = storageClient(
    rpcClient(
      node,
      server.ready.addrs.map((a) => multiaddr(a)),
      {
        service: storageServiceDefinition,
        timeoutMs: 120_000,
      },
    ),
  );
  const chunk = new Uint8Array(randomBytes(CHUNK_BYTES));
  const once = async () => {
    const secrets = {
      storageIndex: new Uint8Array(randomBytes(16)),
      renewSecret: new Uint8Array(randomBytes(32)),
      cancelSecret: new Uint8Array(randomBytes(32)),
      uploadSecret: new Uint8Array(randomBytes(32)),
    };
    const bucket = {
      storageIndex: secrets.storageIndex,
      shareNum: 0,
      uploadSecret: secrets.uploadSecret,
    };
    let t0 = process.hrtime.bigint();
    const cpu0 = cpuSeconds(server.pid);
    const { allocated } = await api.allocateBuckets({
      ...secrets,
      shareNums: [0],
      allocatedSize: TOTAL_BYTES,
    });
    if (allocated.length !== 1) throw new Error('the storage node refused the share');
    await api.writeShare(bucket, shareChunks(chunk), {
      chunkBytes: CHUNK_BYTES,
      maxInFlight: IN_FLIGHT,
    });
    await api.close(bucket);
    const writeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = cpuSeconds(server.pid);
    t0 = process.hrtime.bigint();
    let read = 0;
    for await (const piece of api.readShare(bucket, {
      chunkBytes: CHUNK_BYTES,
      maxInFlight: IN_FLIGHT,
    })) {
      if (piece[0] !== chunk[read % CHUNK_BYTES])
        throw new Error(`wrong byte read back at ${read}`);
      read += piece.length;
    }
    const readSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu2 = cpuSeconds(server.pid);
    if (read !== TOTAL_BYTES) throw new Error(`read back ${read} bytes of ${TOTAL_BYTES}`);
    await api.cancelLease({
      storageIndex: secrets.storageIndex,
      cancelSecret: secrets.cancelSecret,
    });
    return {
      write: mbps(TOTAL_BYTES, writeSeconds),
      read: mbps(TOTAL_BYTES, readSeconds),
      writeCpu: cpuPerGiB(cpu0, cpu1),
      readCpu: cpuPerGiB(cpu1, cpu2),
    };
  };
  try {
    await once(); // warm-up: JIT, yamux windows, page cache
    const results = [];
    for (let i = 0, n = ctx.runs ?? 3; i < n; i++) results.push(await once());
    const extra = { bytes: TOTAL_BYTES, chunkBytes: CHUNK_BYTES, inFlight: IN_FLIGHT };
    if (wantWrite) {
      const runs = results.map((r) => r.write);
      ctx.report('storage.write.256MiB', median(runs), 'MB/s', {
        ...extra,
        runsMBps: runs.map(Math.round),
        ...results[runs.indexOf(median(runs))]?.writeCpu,
      });
    }
    if (wantRead) {
      const runs = results.map((r) => r.read);
      ctx.report('storage.read.256MiB', median(runs), 'MB/s', {
        ...extra,
        runsMBps: runs.map(Math.round),
        ...results[runs.indexOf(median(runs))]?.readCpu,
      });
    }
  } finally {
    await api.rpc.close();
    await node.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
