// Codec benchmarks: zfec-compatible Reed-Solomon over a 1 MiB segment (k blocks of 1 MiB/k).
// MB/s counts input bytes (the segment). Needs the built package: npx tsc --build packages/codec
import { createCodec } from '@tessera/codec';
import { mbps, median } from '../lib/timing.mjs';

const SEGMENT_BYTES = 1 << 20;

/** k blocks of pseudo-random bytes, together one segment. */
function segment(k) {
  const blockBytes = Math.ceil(SEGMENT_BYTES / k);
  const blocks = [];
  let x = 0x9e3779b9;
  for (let c = 0; c < k; c++) {
    const b = new Uint8Array(blockBytes);
    for (let i = 0; i < blockBytes; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x;
    }
    blocks.push(b);
  }
  return blocks;
}

/** Seconds of each of `runs` calls of `fn`, after `warmup` untimed calls. */
function timeRuns(fn, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) fn();
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return seconds;
}

export default async function codecBench(ctx) {
  const cases = [];
  for (const [kernel, suffix] of [
    ['auto', ''],
    ['ts', '.ts'],
  ]) {
    const c310 = createCodec(3, 10, { kernel });
    const c1014 = createCodec(10, 14, { kernel });
    const d310 = segment(3);
    const parity310 = c310.encode(d310, [3, 4, 5]);
    const d1014 = segment(10);
    const info = { kernel: c310.kernel };
    cases.push(
      // All 7 parity blocks (shares 0..2 are the inputs themselves).
      [`codec.encode.3-10.1MiB${suffix}`, info, () => c310.encode(d310, [3, 4, 5, 6, 7, 8, 9])],
      // Worst case: no data block among the shares, all three rebuilt.
      [`codec.decode.3-10.1MiB${suffix}`, info, () => c310.decode(parity310, [3, 4, 5])],
      [`codec.encode.10-14.1MiB${suffix}`, info, () => c1014.encode(d1014, [10, 11, 12, 13])],
    );
  }
  for (const [name, info, fn] of cases) {
    if (!ctx.wants(name)) continue;
    const slow = info.kernel === 'ts';
    // Many short runs for the fast kernel: every call writes fresh output blocks, and until
    // garbage collection hands freed blocks back to malloc, new memory page-faults (~1 µs a
    // page here) and a 3-of-10 encode takes about twice as long. The median is the usual
    // case; meanMBps (all timed bytes over all timed time) includes those slow calls.
    const seconds = timeRuns(
      fn,
      slow ? { runs: ctx.runs ?? 5, warmup: 2 } : { runs: ctx.runs ?? 101, warmup: 20 },
    );
    const total = seconds.reduce((a, b) => a + b, 0);
    ctx.report(name, mbps(SEGMENT_BYTES, median(seconds)), 'MB/s', {
      ...info,
      meanMBps: Number(mbps(SEGMENT_BYTES * seconds.length, total).toFixed(1)),
    });
  }
}
