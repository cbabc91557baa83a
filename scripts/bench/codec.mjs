// Codec benchmarks: zfec-compatible Reed-Solomon over a 1 MiB segment (k blocks of 1 MiB/k).
// MB/s counts input bytes (the segment). Needs the built package: npx tsc --build packages/codec
import { createCodec } from '@tessera/codec';
import { mbps, timeMedian } from '../lib/timing.mjs';

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

export default async function codecBench(ctx) {
  const runs = ctx.runs ?? 15;
  const cases = [];
  for (const [kernel, suffix] of [
    [undefined, ''],
    ['ts', '.ts'],
  ]) {
    const options = kernel === undefined ? {} : { kernel };
    const c310 = createCodec(3, 10, options);
    const c1014 = createCodec(10, 14, options);
    const d310 = segment(3);
    const parity310 = c310.encode(d310, [3, 4, 5]);
    const d1014 = segment(10);
    cases.push(
      // All 7 parity blocks (shares 0..2 are the inputs themselves).
      [`codec.encode.3-10.1MiB${suffix}`, () => c310.encode(d310, [3, 4, 5, 6, 7, 8, 9])],
      // Worst case: no data block among the shares, all three rebuilt.
      [`codec.decode.3-10.1MiB${suffix}`, () => c310.decode(parity310, [3, 4, 5])],
      [`codec.encode.10-14.1MiB${suffix}`, () => c1014.encode(d1014, [10, 11, 12, 13])],
    );
  }
  for (const [name, fn] of cases) {
    if (!ctx.wants(name)) continue;
    const slow = name.endsWith('.ts');
    const seconds = await timeMedian(fn, { runs: slow ? Math.min(runs, 5) : runs, warmup: 3 });
    const kernel = createCodec(3, 10, slow ? { kernel: 'ts' } : {}).kernel;
    ctx.report(name, mbps(SEGMENT_BYTES, seconds), 'MB/s', { kernel });
  }
}
