import { describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  MemoryTrimmer,
  TRIM_CHECK_INTERVAL_MS,
  TRIM_IDLE_CHECK_INTERVAL_MS,
  TRIM_MIN_GROWTH_BYTES,
  sharedTrimQuietChecks,
  startMemoryTrim,
} from '../src/memory-trim.ts';

const run = promisify(execFile);
/** The built module (tests run after `npm run build`, as the CLI tests do). */
const DIST_MODULE = pathToFileURL(resolve(import.meta.dirname, '../dist/memory-trim.js')).href;
const DIST_GLIBC = pathToFileURL(resolve(import.meta.dirname, '../dist/glibc-malloc.js')).href;

const MiB = 1024 * 1024;

/**
 * A trimmer over a scripted CPU clock: each `step(µs)` is one check interval using that much.
 * Its RSS grows 1 MiB for every 10 ms of CPU time and falls back to 50 MiB at each trim.
 */
function scripted(quietChecks?: number) {
  let cpu = 0;
  let rss = 50 * MiB;
  const calls: string[] = [];
  const trimmer = new MemoryTrimmer({
    quietChecks,
    cpuMicros: () => cpu,
    collect: () => calls.push('collect'),
    trim: () => {
      calls.push('trim');
      rss = 50 * MiB;
    },
    defer: (fn) => {
      calls.push('defer');
      fn();
    },
    rss: () => rss,
  });
  return {
    calls,
    trimmer,
    step(us: number): boolean {
      cpu += us;
      rss += Math.floor(us / 10_000) * MiB;
      return trimmer.check();
    },
    /** Memory the process allocated without using CPU time to speak of. */
    grow(bytes: number): void {
      rss += bytes;
    },
  };
}

describe('MemoryTrimmer', () => {
  it('does nothing while the process stays idle', () => {
    const t = scripted();
    for (let i = 0; i < 10; i++) expect(t.step(500)).toBe(false);
    expect(t.calls).toEqual([]);
  });

  it('collects, then trims, once when a busy stretch ends', () => {
    const t = scripted();
    expect(t.step(400_000)).toBe(false); // busy
    expect(t.step(900_000)).toBe(false); // busy
    expect(t.step(20_000)).toBe(false); // winding down: neither busy nor quiet
    expect(t.step(2_000)).toBe(true); // quiet
    expect(t.calls).toEqual(['collect', 'defer', 'trim']);
    expect(t.step(0)).toBe(false); // stays quiet: nothing more
    expect(t.step(100_000)).toBe(false);
    expect(t.step(1_000)).toBe(true); // the next burst ends
    expect(t.calls).toEqual(['collect', 'defer', 'trim', 'collect', 'defer', 'trim']);
  });

  it('trims at the next quiet check after being told memory was freed without CPU time', () => {
    const t = scripted();
    expect(t.step(500)).toBe(false);
    t.trimmer.markBusy(); // segment workers exited
    expect(t.step(500)).toBe(true);
    expect(t.calls).toEqual(['collect', 'defer', 'trim']);
    expect(t.step(500)).toBe(false);
  });

  it('waits quietChecks intervals after the last busy one (storage nodes: several seconds)', () => {
    const t = scripted(3);
    expect(t.step(400_000)).toBe(false); // busy
    expect(t.step(1_000)).toBe(false); // 1 after it
    expect(t.step(20_000)).toBe(false); // 2: light work (an idle-time GC) does not reset the wait
    expect(t.step(100_000)).toBe(false); // busy again: the wait starts over
    expect(t.step(1_000)).toBe(false);
    expect(t.step(1_000)).toBe(false);
    expect(t.calls).toEqual([]);
    expect(t.step(20_000)).toBe(false); // 3 after it, but not quiet
    expect(t.step(1_000)).toBe(true); // the first quiet one after the wait
    expect(t.calls).toEqual(['collect', 'defer', 'trim']);
    // A burst two intervals after the last one keeps everything until it ends.
    expect(t.step(300_000)).toBe(false);
    expect(t.step(1_000)).toBe(false);
    expect(t.step(1_000)).toBe(false);
    expect(t.step(300_000)).toBe(false);
    for (let i = 0; i < 2; i++) expect(t.step(1_000)).toBe(false);
    expect(t.step(1_000)).toBe(true);
    expect(t.calls).toHaveLength(6);
  });

  it('skips the trim after a burst that left the RSS under TRIM_MIN_GROWTH_BYTES higher', () => {
    const t = scripted();
    expect(t.step(400_000)).toBe(false); // +40 MiB
    expect(t.step(1_000)).toBe(true);
    expect(t.calls).toEqual(['collect', 'defer', 'trim']); // back to 50 MiB
    // A ping round: busy for a moment, a MiB more.
    expect(t.step(60_000 - 50_000)).toBe(false);
    expect(t.step(50_000)).toBe(false); // busy, +5 MiB in all
    t.grow(-3 * MiB); // +3 MiB since the trim
    expect(TRIM_MIN_GROWTH_BYTES).toBeGreaterThan(3 * MiB);
    expect(t.step(1_000)).toBe(false);
    expect(t.calls).toHaveLength(3);
    // The wait is over all the same: the checks slow down, and the next burst adds to this one.
    expect(t.step(500)).toBe(false);
    expect(t.trimmer.delayMs()).toBe(2 * TRIM_CHECK_INTERVAL_MS);
    expect(t.step(50_000)).toBe(false); // +5 MiB: 8 MiB in all
    expect(t.step(1_000)).toBe(true);
    expect(t.calls).toHaveLength(6);
  });

  it('trims after markBusy however little the RSS grew (memory freed by exiting workers)', () => {
    const t = scripted();
    t.grow(20 * MiB);
    t.trimmer.markBusy();
    expect(t.step(1_000)).toBe(true); // back to 50 MiB
    t.grow(-10 * MiB); // the workers' own heaps went at once
    t.trimmer.markBusy();
    expect(t.step(1_000)).toBe(true);
    expect(t.calls).toHaveLength(6);
  });

  it('checks less often while idle and every interval again once busy', () => {
    const t = scripted(2);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.step(500);
      delays.push(t.trimmer.delayMs());
    }
    expect(delays).toEqual([2000, 4000, 8000, 8000, 8000, 8000]);
    expect(TRIM_IDLE_CHECK_INTERVAL_MS).toBe(8000);
    t.step(300_000); // a burst seen after a long wait
    expect(t.trimmer.delayMs()).toBe(TRIM_CHECK_INTERVAL_MS);
    t.step(1_000); // the wait (2 intervals) counts checks a second apart
    expect(t.trimmer.delayMs()).toBe(TRIM_CHECK_INTERVAL_MS);
    expect(t.step(1_000)).toBe(true);
    expect(t.trimmer.delayMs()).toBe(TRIM_CHECK_INTERVAL_MS);
    t.step(500);
    expect(t.trimmer.delayMs()).toBe(2000);
    // markBusy during a long wait: back to a check a second.
    for (let i = 0; i < 4; i++) t.step(500);
    t.trimmer.markBusy();
    expect(t.trimmer.delayMs()).toBe(TRIM_CHECK_INTERVAL_MS);
  });

  it('ignores light activity that never counts as busy', () => {
    const t = scripted();
    for (let i = 0; i < 5; i++) {
      expect(t.step(30_000)).toBe(false);
      expect(t.step(0)).toBe(false);
    }
    expect(t.calls).toEqual([]);
  });
});

const linuxGlibc =
  process.platform === 'linux' &&
  (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
    .glibcVersionRuntime !== undefined;

describe.runIf(linuxGlibc)('malloc_trim through koffi', () => {
  it('returns freed, fragmented heap memory to the system', async () => {
    // In a fresh process: a test runner's own heap history decides what a trim can return.
    const script = `
      import { loadGc } from ${JSON.stringify(DIST_MODULE)};
      import { loadMallocTrim } from ${JSON.stringify(DIST_GLIBC)};
      const trim = loadMallocTrim();
      const gc = loadGc();
      // 60 KiB buffers come from glibc's heap (under its mmap threshold); every 16th stays
      // alive, so the freed ones are holes the heap cannot shrink past.
      let buffers = [];
      for (let i = 0; i < 3000; i++) buffers.push(Buffer.allocUnsafeSlow(60 * 1024).fill(i));
      const kept = buffers.filter((_, i) => i % 16 === 0);
      buffers = [];
      gc();
      // V8 frees dead buffers on a background thread after the collection returns.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = process.memoryUsage.rss();
      trim();
      const after = process.memoryUsage.rss();
      console.log(JSON.stringify({ kept: kept.length, freed: before - after }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    const { kept, freed } = JSON.parse(stdout) as { kept: number; freed: number };
    expect(kept).toBe(188);
    // ~165 MiB were freed; the trim gives most of it back (without it: nothing).
    expect(freed).toBeGreaterThan(96 * 1024 * 1024);
  });

  it('keeps freed memory for the next burst after keepFreedMemoryUntilTrim, until the trim', async () => {
    // Two rounds of 80 MiB in 256 KiB buffers, freed in between; the second round's page
    // faults say whether it reused the first round's memory. In fresh processes, both ways.
    const script = (keep: boolean) => `
      import { loadGc } from ${JSON.stringify(DIST_MODULE)};
      import { keepFreedMemoryUntilTrim, loadMallocTrim } from ${JSON.stringify(DIST_GLIBC)};
      const kept = ${keep} ? keepFreedMemoryUntilTrim() : false;
      const gc = loadGc();
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
      const round = () => {
        const buffers = [];
        for (let i = 0; i < 320; i++) buffers.push(Buffer.allocUnsafeSlow(256 * 1024).fill(i));
        return buffers.length;
      };
      round();
      gc();
      await settle();
      const faults = process.resourceUsage().minorPageFault;
      round();
      const roundFaults = process.resourceUsage().minorPageFault - faults;
      gc();
      await settle();
      const before = process.memoryUsage.rss();
      loadMallocTrim()();
      const trimmed = before - process.memoryUsage.rss();
      console.log(JSON.stringify({ kept, roundFaults, trimmed }));
    `;
    const results = [];
    for (const keep of [false, true]) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script(keep)]);
      results.push(JSON.parse(stdout) as { kept: boolean; roundFaults: number; trimmed: number });
    }
    const [plain, keeping] = results;
    const pages80MiB = (80 * 1024 * 1024) / 4096;
    expect(plain.kept).toBe(false);
    expect(plain.roundFaults).toBeGreaterThan(pages80MiB / 2); // fresh pages again
    expect(keeping.kept).toBe(true);
    expect(keeping.roundFaults).toBeLessThan(pages80MiB / 10); // the same pages
    // and the trim still returns what was kept
    expect(keeping.trimmed).toBeGreaterThan(64 * 1024 * 1024);
  });

  it('runs one process-wide timer however many nodes start it', () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    const clearTimeout = vi.spyOn(globalThis, 'clearTimeout');
    const checks = () =>
      setTimeout.mock.calls.filter(([, ms]) => ms === TRIM_CHECK_INTERVAL_MS).length;
    try {
      const stops = [startMemoryTrim(() => undefined), startMemoryTrim(() => undefined)];
      expect(checks()).toBe(1);
      stops[0]();
      expect(clearTimeout).not.toHaveBeenCalled();
      stops[1]();
      expect(clearTimeout).toHaveBeenCalledTimes(1);
      startMemoryTrim(() => undefined)();
      expect(checks()).toBe(2);
      // It waits as long as the most eager of its nodes asks.
      const storage = startMemoryTrim(() => undefined, 5);
      expect(sharedTrimQuietChecks()).toBe(5);
      const client = startMemoryTrim(() => undefined, 1);
      expect(sharedTrimQuietChecks()).toBe(1);
      client();
      expect(sharedTrimQuietChecks()).toBe(5);
      storage();
      expect(sharedTrimQuietChecks()).toBeUndefined();
    } finally {
      setTimeout.mockRestore();
      clearTimeout.mockRestore();
    }
  });
});
