// The whole CHK pipeline: read a 100 MiB file, derive the convergent key, encrypt, erasure-code
// 3-of-10, hash every block, build the trees and the UEB. MB/s counts plaintext bytes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileSource, planChkUpload } from '@tessera/immutable';
import { mbps, timeMedian } from '../lib/timing.mjs';

export default async function chk(ctx) {
  const name = 'chk.encode.3-10.100MiB';
  if (!ctx.wants(name)) return;
  const size = 100 * 1024 * 1024;
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  try {
    const path = join(dir, 'file');
    await writeFile(path, randomBytes(size));
    const secret = new Uint8Array(32).fill(9);
    const s = await timeMedian(
      async () => {
        const plan = await planChkUpload(await fileSource(path), { convergenceSecret: secret });
        for await (const batch of plan.encode()) void batch;
        plan.result();
      },
      { runs: ctx.runs ?? 5, warmup: 1 },
    );
    ctx.report(name, mbps(size, s), 'MB/s');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
