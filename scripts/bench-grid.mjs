#!/usr/bin/env node
// Grid benchmark: `npm run bench:grid [-- --json] [-- --filter NAME] [-- --quick] [-- --keep]`
// (--runs N: runs of the 100 MiB cases, default 3; --nodes N: storage nodes, default 10;
// --mode attached|standalone|both, default both).
// Starts a local grid from the built CLI in a temp dir (an introducer, 10 storage nodes, a 3-of-10
// client; all on 127.0.0.1, port 0), then measures what a user sees, as Tahoe-LAFS was measured,
// in two modes:
//   standalone  no client node runs: each command starts, dials the servers and exits (names
//               end in `.standalone`)
//   attached    `tessera run CLIENTDIR` runs and the commands attach to it, as Tahoe's CLI
//               always talks to its running node (the names); grid.client.rss.1GiB is
//               then the client node's peak during that put (its peak over all cases and the
//               command's own beside it), and the idle grid includes the client node
// The cases:
//   grid.put.100MiB       MB/s (10^6 bytes / s) of `tessera put` of 100 MiB, wall time of the
//                         whole command, median of --runs (3) runs with fresh random content
//   grid.get.100MiB       the same for `tessera get` of the last cap (the output is checked)
//   grid.put.4KiB         ms, median wall time of 7 `tessera put`s of fresh 4 KiB files
//   grid.client.rss.1GiB  MiB, peak RSS of `tessera put` of a 1 GiB file (skipped with --quick)
//   grid.storage.rss      MiB, VmRSS of the largest storage node after the transfers, once
//                         the grid has been quiet for 8 s (a storage node returns freed
//                         memory after 5 quiet seconds; also: right after them, and peak)
//   grid.idle.cpu         cores used by the introducer and the storage nodes over 30 s idle
//                         (per-thread schedstat nanoseconds), from 10 s after the last
//                         command: nodes tidy up once after a burst (a collection and
//                         malloc_trim, 1-5 s after it); the 10 s before are reported beside
// The 100 MiB cases also report `cpuSeconds`: the command's own CPU (GNU time, user + system)
// and all storage nodes' CPU during it, to show where a transfer's time goes.
// Every process starts as the executable's #! line starts it (its Node flags, BIN_FLAGS in
// bench-grid/processes.mjs); BENCH_GRID_NODE_FLAGS adds flags, e.g. "--cpu-prof
// --cpu-prof-dir=DIR" to profile every process.
// Output as scripts/bench.mjs: a table on stdout, or one JSON object a line with --json
// (STYLE §6). Progress goes to stderr. Logs of every process go to TMP/logs; on failure they are
// kept (the path is printed) and the rest of the temp dir is removed.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hashFile, writeRandomFile } from './bench-grid/files.mjs';
import { NodeProcess, TESSERA_BUNDLE, hasGnuTime, runTessera } from './bench-grid/processes.mjs';
import { clockTicks, cpuSecondsPrecise, cpuTicksSplit, vmMiB } from './lib/proc.mjs';
import { mbps, median } from './lib/timing.mjs';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    filter: { type: 'string' },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    runs: { type: 'string' },
    nodes: { type: 'string' },
    mode: { type: 'string', default: 'both' },
  },
});
if (!['attached', 'standalone', 'both'].includes(values.mode)) {
  process.stderr.write(
    `bench-grid: --mode is attached, standalone or both, not "${values.mode}"\n`,
  );
  process.exit(2);
}
const MODES = values.mode === 'both' ? ['standalone', 'attached'] : [values.mode];

const STORAGE_NODES = values.nodes === undefined ? 10 : Number(values.nodes);
const BIG_RUNS = values.runs === undefined ? 3 : Number(values.runs);
const SMALL_RUNS = 7;
/** Quiet time before a storage node's memory counts as settled: it trims after 5 quiet seconds. */
const IDLE_SETTLE_S = 8;
/** Quiet time before the idle CPU is measured: past the nodes' one tidy-up after a burst. */
const IDLE_QUIET_S = 10;
const IDLE_INTERVAL_S = 30;
const MiB = 1024 * 1024;
const BIG = 100 * MiB;
const HUGE = 1024 * MiB;
const SMALL = 4096;

/** Cases run once per mode (a `.standalone` suffix in that mode), then the grid-wide ones. */
const CLIENT_CASES = [
  'grid.put.100MiB',
  'grid.get.100MiB',
  'grid.put.4KiB',
  'grid.client.rss.1GiB',
];
const GRID_CASES = ['grid.storage.rss', 'grid.idle.cpu'];
const matches = (n) => values.filter === undefined || n.includes(values.filter);
const selected = new Set([...CLIENT_CASES, ...GRID_CASES].filter(matches));
if (values.quick && selected.delete('grid.client.rss.1GiB'))
  status('--quick: skipping grid.client.rss.1GiB');
if (selected.size === 0) {
  status(`no case matches --filter "${values.filter}"`);
  process.exit(0);
}

function status(msg) {
  process.stderr.write(`bench-grid: ${msg}\n`);
}

const rows = [];
function report(name, value, unit, extra = {}) {
  const row = { name, value: Number(value.toFixed(3)), unit, ...extra };
  rows.push(row);
  if (values.json) process.stdout.write(JSON.stringify(row) + '\n');
  else process.stderr.write(`  ${name}: ${row.value} ${unit}\n`);
}

const round = (x, digits = 3) => Number(x.toFixed(digits));

if (!existsSync(TESSERA_BUNDLE)) {
  status('the CLI is not built: running "npm run build"');
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  // stdout of the build goes to stderr: with --json, stdout carries only results.
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
}

const root = mkdtempSync(join(tmpdir(), 'tessera-bench-grid-'));
const logDir = join(root, 'logs');
const dataDir = join(root, 'files');
mkdirSync(logDir);
mkdirSync(dataDir);
const clientDir = join(root, 'client');
const clientLog = createWriteStream(join(logDir, 'client-commands.log'), { flags: 'a' });
/** @type {NodeProcess | undefined} */
let introducer;
/** @type {NodeProcess[]} */
const storage = [];
/** The client node of the attached mode, while it runs. @type {NodeProcess | undefined} */
let clientNode;
/** The mode being measured: its commands' environment and its case names. */
let mode = MODES[0];
const caseName = (name) => (mode === 'standalone' ? `${name}.standalone` : name);
let failed = false;
/** A run far slower than its siblings: keep the logs to see why (see noteOutliers). */
let keepLogs = false;

/** Flags a run over 4× the median of its case: its logs are kept at the end. */
function noteOutliers(name, times) {
  const m = median(times);
  const slow = times.filter((t) => t > 4 * m);
  if (slow.length === 0) return;
  keepLogs = true;
  status(
    `${name}: run(s) of ${slow.map((t) => t.toFixed(2)).join(', ')} s against a median of ${m.toFixed(2)} s; keeping the logs`,
  );
}

// Standalone commands must not attach, even to a client node left from another mode.
const cli = (args, options = {}) =>
  runTessera(args, {
    log: clientLog,
    ...(mode === 'standalone' ? { env: { TESSERA_NO_ATTACH: '1' } } : {}),
    ...options,
  });
const client = (args, options) => cli(['-d', clientDir, ...args], options);

async function setUpGrid() {
  const t0 = Date.now();
  const introDir = join(root, 'introducer');
  await cli(['create-introducer', introDir]);
  introducer = new NodeProcess('introducer', introDir, join(logDir, 'introducer.log'));
  await introducer.start();
  const addr = readFileSync(join(introDir, 'introducer.addr'), 'utf8').split('\n')[0].trim();
  const names = Array.from({ length: STORAGE_NODES }, (_, i) => `storage${i}`);
  await Promise.all(
    names.map((n) => cli(['create-node', join(root, n), '--introducer', addr, '--nickname', n])),
  );
  for (const n of names) storage.push(new NodeProcess(n, join(root, n), join(logDir, `${n}.log`)));
  await Promise.all(storage.map((node) => node.start()));
  await cli([
    'create-client',
    clientDir,
    '--introducer',
    addr,
    '--shares-needed',
    '3',
    '--shares-happy',
    '7',
    '--shares-total',
    '10',
  ]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { stdout } = await client(['servers', '--json', '--wait', '5']);
    const count = stdout.split('\n').filter((l) => l.trim() !== '').length;
    if (count >= STORAGE_NODES) break;
    if (Date.now() > deadline)
      throw new Error(`the client knows ${count} of ${STORAGE_NODES} servers after 60 s`);
  }
  status(`grid up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${root})`);
}

/** Starts `tessera run CLIENTDIR`: commands attach to it from then on. */
async function startClientNode() {
  clientNode = new NodeProcess('client', clientDir, join(logDir, 'client-node.log'));
  await clientNode.start();
}

function assertGridRunning() {
  for (const node of [introducer, ...storage, clientNode]) {
    if (node !== undefined && !node.running)
      throw new Error(`${node.name} is no longer running (log: ${node.logPath})`);
  }
}

/** Uploads a fresh random file of `bytes`; resolves with its cap, hash and the command's time. */
async function putRandom(bytes, name, options = {}) {
  const path = join(dataDir, name);
  const sha256 = await writeRandomFile(path, bytes);
  options.beforeCommand?.();
  try {
    const r = await client(['put', path], options);
    return { ...r, cap: r.stdout.trim(), sha256 };
  } finally {
    rmSync(path, { force: true });
  }
}

let last; // { cap, sha256 } of the last 100 MiB upload

/**
 * Options that make a command report its CPU time (GNU time), and a probe of the storage nodes'
 * CPU seconds around it: where a transfer's time goes, beside its wall time.
 */
function cpuProbe(name) {
  const timed = hasGnuTime() ? { peakRss: 'time', rssFile: join(root, `${name}.time`) } : {};
  const hz = clockTicks();
  const sum = () =>
    storage.reduce(
      (a, n) => {
        const t = cpuTicksSplit(n.pid);
        return { user: a.user + t.user / hz, system: a.system + t.system / hz };
      },
      { user: 0, system: 0 },
    );
  const before = sum();
  const nodeTicks = () => {
    if (clientNode === undefined) return 0;
    const t = cpuTicksSplit(clientNode.pid);
    return (t.user + t.system) / hz;
  };
  const nodeBefore = nodeTicks();
  return {
    options: timed,
    storageSeconds: () => {
      const now = sum();
      return { user: now.user - before.user, system: now.system - before.system };
    },
    clientNodeSeconds: () => (clientNode === undefined ? undefined : nodeTicks() - nodeBefore),
  };
}

/** CPU seconds of the client command and of all storage nodes together during it. */
function cpuSplit(r, probe) {
  const s = probe.storageSeconds();
  const node = probe.clientNodeSeconds();
  return {
    client: r.cpuSeconds === undefined ? null : round(r.cpuSeconds, 2),
    clientSystem: r.cpuSplit === undefined ? null : round(r.cpuSplit.system, 2),
    ...(node === undefined ? {} : { clientNode: round(node, 2) }),
    storage: round(s.user + s.system, 2),
    storageSystem: round(s.system, 2),
  };
}

async function benchPut100() {
  const times = [];
  const cpu = [];
  for (let i = 0; i < BIG_RUNS; i++) {
    const probe = cpuProbe(`put-${i}`);
    const r = await putRandom(BIG, `put-${i}.bin`, { timeoutMs: 600_000, ...probe.options });
    times.push(r.seconds);
    cpu.push(cpuSplit(r, probe));
    last = { cap: r.cap, sha256: r.sha256 };
    status(
      `put 100 MiB #${i + 1}: ${r.seconds.toFixed(2)} s (CPU s ${JSON.stringify(cpu.at(-1))})`,
    );
  }
  noteOutliers(caseName('grid.put.100MiB'), times);
  const s = median(times);
  report(caseName('grid.put.100MiB'), mbps(BIG, s), 'MB/s', {
    seconds: round(s),
    runs: times.map((t) => round(t)),
    cpuSeconds: cpu[times.indexOf(s)] ?? cpu[0],
  });
}

async function benchGet100() {
  if (last === undefined) {
    const r = await putRandom(BIG, 'put-for-get.bin', { timeoutMs: 600_000 });
    last = { cap: r.cap, sha256: r.sha256 };
  }
  const times = [];
  const cpu = [];
  const out = join(dataDir, 'get.bin');
  for (let i = 0; i < BIG_RUNS; i++) {
    rmSync(out, { force: true });
    const probe = cpuProbe(`get-${i}`);
    const r = await client(['get', last.cap, out], { timeoutMs: 600_000, ...probe.options });
    times.push(r.seconds);
    cpu.push(cpuSplit(r, probe));
    status(
      `get 100 MiB #${i + 1}: ${r.seconds.toFixed(2)} s (CPU s ${JSON.stringify(cpu.at(-1))})`,
    );
    if ((await hashFile(out)) !== last.sha256)
      throw new Error(`tessera get ${last.cap}: the output differs from the uploaded file`);
  }
  rmSync(out, { force: true });
  noteOutliers(caseName('grid.get.100MiB'), times);
  const s = median(times);
  report(caseName('grid.get.100MiB'), mbps(BIG, s), 'MB/s', {
    seconds: round(s),
    runs: times.map((t) => round(t)),
    cpuSeconds: cpu[times.indexOf(s)] ?? cpu[0],
  });
}

async function benchPut4K() {
  const times = [];
  for (let i = 0; i < SMALL_RUNS; i++) {
    const r = await putRandom(SMALL, `small-${i}.bin`);
    times.push(r.seconds * 1000);
  }
  report(caseName('grid.put.4KiB'), median(times), 'ms', {
    runs: times.map((t) => round(t, 1)),
  });
}

async function benchClientRss() {
  const method = hasGnuTime() ? 'time' : 'poll';
  status('writing a 1 GiB random file');
  // Attached, the client node's peak during this put alone: its VmHWM is reset to its VmRSS
  // (Linux clear_refs 5) once the file is written, after the earlier cases and a quiet moment.
  let node;
  const r = await putRandom(HUGE, 'huge.bin', {
    timeoutMs: 1_800_000,
    peakRss: method,
    rssFile: join(root, 'put-huge.rss'),
    beforeCommand: () => {
      if (clientNode === undefined) return;
      node = {
        peakSinceStartMiB: round(vmMiB(clientNode.pid, 'VmHWM'), 1),
        rssBeforeMiB: round(vmMiB(clientNode.pid, 'VmRSS'), 1),
      };
      writeFileSync(`/proc/${clientNode.pid}/clear_refs`, '5');
    },
  });
  status(`put 1 GiB: ${r.seconds.toFixed(2)} s`);
  const how = method === 'time' ? '/usr/bin/time %M' : '/proc VmHWM poll';
  const speed = { seconds: round(r.seconds), mbps: round(mbps(HUGE, r.seconds)) };
  if (clientNode === undefined) {
    report(caseName('grid.client.rss.1GiB'), r.peakRssMiB, 'MiB', { method: how, ...speed });
  } else {
    // The client node did the work: its peak during the put (see above), with its peak over
    // all the cases before (the gets' among them) beside it.
    const peakMiB = vmMiB(clientNode.pid, 'VmHWM');
    report(caseName('grid.client.rss.1GiB'), peakMiB, 'MiB', {
      method: 'client node VmHWM over the put',
      mb: round((peakMiB * 1024 * 1024) / 1e6, 1),
      ...node,
      commandPeakMiB: round(r.peakRssMiB, 1),
      ...speed,
    });
  }
}

/**
 * A storage node's memory: VmRSS after the transfers once the grid has been quiet for
 * IDLE_SETTLE_S (a busy node returns freed memory when it goes quiet: cli memory-trim.ts), with
 * the RSS right after the last transfer and the peak (VmHWM) beside it.
 */
async function benchStorageRss() {
  const rssNow = () => storage.map((n) => vmMiB(n.pid, 'VmRSS'));
  const busy = rssNow();
  await sleep(IDLE_SETTLE_S * 1000);
  const rss = rssNow();
  const hwm = storage.map((n) => vmMiB(n.pid, 'VmHWM'));
  report('grid.storage.rss', Math.max(...rss), 'MiB', {
    settledS: IDLE_SETTLE_S,
    mean: round(rss.reduce((a, b) => a + b, 0) / rss.length, 1),
    min: round(Math.min(...rss), 1),
    afterTransfersMax: round(Math.max(...busy), 1),
    peakMax: round(Math.max(...hwm), 1),
    introducer: round(vmMiB(introducer.pid, 'VmRSS'), 1),
  });
}

async function benchIdleCpu() {
  const nodes = [introducer, ...storage, ...(clientNode === undefined ? [] : [clientNode])];
  const total = () => nodes.reduce((sum, n) => sum + cpuSecondsPrecise(n.pid), 0);
  // The storage case already waited IDLE_SETTLE_S; this one waits the rest of IDLE_QUIET_S,
  // measuring it (the tidy-up after the transfers) to report beside the idle figure.
  const settled = selected.has('grid.storage.rss') ? IDLE_SETTLE_S : 0;
  const tidyStart = total();
  const tidyT0 = process.hrtime.bigint();
  await sleep((IDLE_QUIET_S - settled) * 1000);
  const tidyCores = (total() - tidyStart) / (Number(process.hrtime.bigint() - tidyT0) / 1e9);
  const before = nodes.map((n) => cpuSecondsPrecise(n.pid));
  const t0 = process.hrtime.bigint();
  await sleep(IDLE_INTERVAL_S * 1000);
  const after = nodes.map((n) => cpuSecondsPrecise(n.pid));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cores = after.map((a, i) => (a - before[i]) / seconds);
  const storageCores = cores.slice(1, 1 + storage.length);
  report(
    'grid.idle.cpu',
    cores.reduce((a, b) => a + b, 0),
    'cores',
    {
      intervalS: round(seconds, 2),
      quietBeforeS: IDLE_QUIET_S,
      beforeCores: round(tidyCores, 4),
      introducer: round(cores[0], 4),
      storageMax: round(Math.max(...storageCores), 4),
      ...(clientNode === undefined ? {} : { clientNode: round(cores.at(-1), 4) }),
    },
  );
}

let tornDown;
function tearDown() {
  tornDown ??= (async () => {
    const ended = await Promise.all(
      [clientNode, introducer, ...storage].filter(Boolean).map((n) => n.stop()),
    );
    for (const e of ended) {
      if (e.killed) status(`${e.name} did not stop within 5 s of SIGTERM: killed`);
      else if (e.code !== 0 && e.code !== null) status(`${e.name} exited ${e.code} on SIGTERM`);
    }
    await new Promise((r) => clientLog.end(r));
    if (failed || keepLogs) {
      // Keep the logs (ours and each node's own logs/), drop the shares and test files.
      const kept = `${root}-logs`;
      renameSync(logDir, kept);
      for (const n of ['introducer', 'client', ...storage.map((s) => s.name)]) {
        const own = join(root, n, 'logs');
        if (existsSync(own)) cpSync(own, join(kept, n), { recursive: true });
      }
      status(`logs kept in ${kept}`);
    }
    if (values.keep) status(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  })();
  return tornDown;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    status(`${signal}: tearing the grid down`);
    failed = true;
    void tearDown().finally(() => process.exit(130));
  });
}

try {
  await setUpGrid();
  const clientSteps = [
    ['grid.put.100MiB', benchPut100],
    ['grid.get.100MiB', benchGet100],
    ['grid.put.4KiB', benchPut4K],
    ['grid.client.rss.1GiB', benchClientRss],
  ];
  for (const m of MODES) {
    mode = m;
    last = undefined; // each mode gets its own upload to download
    if (m === 'attached') await startClientNode();
    status(`mode: ${m}`);
    for (const [name, run] of clientSteps) {
      if (!selected.has(name)) continue;
      assertGridRunning();
      await run();
    }
  }
  for (const [name, run] of [
    ['grid.storage.rss', benchStorageRss],
    ['grid.idle.cpu', benchIdleCpu],
  ]) {
    if (!selected.has(name)) continue;
    assertGridRunning();
    await run();
  }
  assertGridRunning();
} catch (err) {
  failed = true;
  status(`failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await tearDown();
}

if (!values.json && rows.length > 0) {
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'name'.padEnd(w)}  ${'value'.padStart(10)}  unit`);
  for (const r of rows)
    console.log(`${r.name.padEnd(w)}  ${String(r.value).padStart(10)}  ${r.unit}`);
}
process.exitCode = failed ? 1 : 0;
