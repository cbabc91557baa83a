// Process helpers for scripts/bench-grid.mjs: run `tessera` commands and `tessera run` nodes as
// real processes (the approach of test-grid/src/process.ts); their CPU time and memory come from
// scripts/lib/proc.mjs.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setInterval, clearInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { vmMiB } from '../lib/proc.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built executable. */
export const TESSERA_BIN = join(repoRoot, 'packages', 'cli', 'bin', 'tessera.mjs');
/** What the executable loads; missing until `npm run build`. */
export const TESSERA_BUNDLE = join(repoRoot, 'packages', 'cli', 'dist', 'bundle', 'tessera.mjs');

const GNU_TIME = '/usr/bin/time';

/**
 * Extra Node flags for every process the benchmark starts, for profiling:
 * `BENCH_GRID_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` (NODE_OPTIONS refuses --cpu-prof).
 */
const NODE_FLAGS = (process.env.BENCH_GRID_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');

/**
 * The environment and Node flags of the executable's `#!/usr/bin/env -S [VAR=value]... node
 * FLAGS` line: what a user running `tessera` gets. Every process here starts as
 * `node BIN_FLAGS [NODE_FLAGS] tessera.mjs ...` with BIN_ENV added to its environment.
 */
const SHEBANG = (() => {
  const first = readFileSync(TESSERA_BIN, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S (.*)$/.exec(first);
  const words = m === null ? [] : m[1].split(/\s+/).filter((w) => w !== '');
  const at = words.indexOf('node');
  const env = Object.fromEntries(
    words
      .slice(0, Math.max(at, 0))
      .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );
  return { env, flags: at < 0 ? [] : words.slice(at + 1) };
})();
export const BIN_FLAGS = SHEBANG.flags;
export const BIN_ENV = SHEBANG.env;

/** True when GNU time is there to report a command's peak RSS (`-f %M`, KiB). */
export function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  try {
    execFileSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function tail(text, lines = 15) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `tessera ARGS` to completion. Resolves with `{ stdout, stderr, seconds, peakRssMiB? }`;
 * `seconds` is the wall time from spawn to exit. With `peakRss: 'time'` the command runs under
 * GNU time (`-f '%M %U %S'`), which also gives `cpuSeconds` (user + system); with `peakRss: 'poll'` VmHWM is polled every 50 ms.
 * `env` adds variables to this process's environment for the command.
 * @throws {Error} on a non-zero exit or when `timeoutMs` passes (the process is killed)
 */
export function runTessera(args, { timeoutMs = 120_000, log, peakRss, rssFile, env } = {}) {
  let cmd = process.execPath;
  let argv = [...BIN_FLAGS, ...NODE_FLAGS, TESSERA_BIN, ...args];
  if (peakRss === 'time') {
    // Peak RSS (KiB), then user and system CPU seconds.
    argv = ['-f', '%M %U %S', '-o', rssFile, cmd, ...argv];
    cmd = GNU_TIME;
  }
  const label = `tessera ${args.join(' ')}`;
  log?.write(`\n$ ${label}\n`);
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...BIN_ENV, ...env },
  });
  const out = [];
  const err = [];
  child.stdout.on('data', (c) => out.push(c));
  child.stderr.on('data', (c) => {
    err.push(c);
    log?.write(c);
  });
  let hwm = 0;
  const poller =
    peakRss === 'poll'
      ? setInterval(() => {
          try {
            hwm = Math.max(hwm, vmMiB(child.pid, 'VmHWM'));
          } catch {
            // Exited between polls.
          }
        }, 50)
      : undefined;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: no exit within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      if (poller !== undefined) clearInterval(poller);
    };
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      done();
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      log?.write(
        `[exit ${code ?? signal} after ${seconds.toFixed(3)} s] ${stdout.slice(0, 200)}\n`,
      );
      if (code !== 0) {
        // Node's own exit code 13: the event loop emptied while a top-level await was pending.
        const why = code === 13 ? ' (unsettled top-level await)' : '';
        const printed = stdout.trim() === '' ? '' : `; stdout: ${stdout.trim().slice(0, 200)}`;
        reject(new Error(`${label}: exit ${code ?? signal}${why}${printed}\n${tail(stderr)}`));
        return;
      }
      const result = { stdout, stderr, seconds };
      if (peakRss === 'time') {
        const [kib, user, sys] = readFileSync(rssFile, 'utf8').trim().split(/\s+/).map(Number);
        result.peakRssMiB = kib / 1024;
        result.cpuSeconds = user + sys;
        result.cpuSplit = { user, system: sys };
      }
      if (peakRss === 'poll') result.peakRssMiB = hwm;
      resolvePromise(result);
    });
  });
}

/** A long-running `tessera run DIR`, its stdout and stderr logged to `logPath`. */
export class NodeProcess {
  constructor(name, dir, logPath) {
    this.name = name;
    this.dir = dir;
    this.logPath = logPath;
    this.child = undefined;
    this.ready = undefined;
    this.closed = Promise.resolve();
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Starts the node; resolves with its ready line.
   * @throws {Error} when it exits or `timeoutMs` passes before the ready line
   */
  start(timeoutMs = 30_000) {
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn(
      process.execPath,
      [...BIN_FLAGS, ...NODE_FLAGS, TESSERA_BIN, 'run', this.dir],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...BIN_ENV } },
    );
    this.child = child;
    child.stderr.pipe(log, { end: false });
    // 'close' comes after stderr has ended, so the log is complete when this resolves.
    this.closed = new Promise((r) =>
      child.once('close', (code, signal) => log.end(`[exit ${code ?? signal}]\n`, r)),
    );
    const lines = createInterface({ input: child.stdout });
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no ready line within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: exited (${code ?? signal}) before its ready line`));
      });
      lines.on('line', (line) => {
        log.write(`[stdout] ${line}\n`);
        try {
          const parsed = JSON.parse(line);
          if (parsed?.event === 'ready') {
            clearTimeout(timer);
            this.ready = parsed;
            resolvePromise(parsed);
          }
        } catch {
          // Not JSON: logged only.
        }
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  async stop(graceMs = 5_000) {
    const child = this.child;
    if (child === undefined) return { name: this.name, code: null, signal: null, killed: false };
    if (!this.running) {
      await this.closed;
      return { name: this.name, code: child.exitCode, signal: child.signalCode, killed: false };
    }
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, graceMs);
    const { code, signal } = await exited;
    clearTimeout(timer);
    await this.closed;
    return { name: this.name, code, signal, killed };
  }
}
