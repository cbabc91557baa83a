// Primitive throughput: AES-128-CTR and tagged SHA-256d through the modules the encoder
// uses, and a plain 256 MiB copy as the machine's memory bandwidth limit.
import { aesCtr, taggedHash, TAG } from '@tessera/caps';
import { mbps, timeMedian } from '../lib/timing.mjs';

export default async function primitives(ctx) {
  const MiB = 1024 * 1024;
  const buf = new Uint8Array(MiB).fill(0xa5);
  const key = new Uint8Array(16).fill(1);
  const reps = 64;

  if (ctx.wants('aes-ctr.1MiB')) {
    const s = await timeMedian(() => {
      const c = aesCtr(key);
      for (let i = 0; i < reps; i++) c.update(buf);
    });
    ctx.report('aes-ctr.1MiB', mbps(reps * MiB, s), 'MB/s');
  }
  if (ctx.wants('sha256d.1MiB')) {
    const s = await timeMedian(() => {
      for (let i = 0; i < reps; i++) taggedHash(TAG.ENCODED_SUBSHARE, buf);
    });
    ctx.report('sha256d.1MiB', mbps(reps * MiB, s), 'MB/s');
  }
  if (ctx.wants('memcpy.256MiB')) {
    const src = new Uint8Array(256 * MiB).fill(1);
    const dst = new Uint8Array(256 * MiB);
    dst.set(src); // fault the pages in first: measure copying, not the kernel's zeroing
    const s = await timeMedian(() => dst.set(src), { runs: 5, warmup: 1 });
    ctx.report('memcpy.256MiB', mbps(256 * MiB, s), 'MB/s');
  }
}
