import { expect, it } from 'vitest';
import {
  describeVectors,
  loadTahoeVectors,
  stretch,
  TAHOE_VECTORS_FILE,
} from '../../caps/test/vectors.ts';
import { bytesSource, planChkUpload } from '../src/index.ts';

describeVectors('Tahoe CHK vectors through the streaming encoder', [TAHOE_VECTORS_FILE], () => {
  const chk = (): ReturnType<typeof loadTahoeVectors>['vectors'] =>
    loadTahoeVectors().vectors.filter((v) => v.kind === 'chk');

  it('has all 120 CHK vectors', () => {
    expect(chk()).toHaveLength(120);
  });

  it('produces every expected cap', { timeout: 300_000 }, async () => {
    const mismatches: string[] = [];
    for (const v of chk()) {
      const plan = await planChkUpload(bytesSource(stretch(v.sample.seed, v.sample.length)), {
        convergenceSecret: new Uint8Array(Buffer.from(v.convergence, 'base64')),
        neededShares: v.zfec.required,
        totalShares: v.zfec.total,
        maxSegmentSize: v.zfec.segmentSize,
      });
      // Produce no writes: the caps depend on every block through the block hashes anyway.
      for await (const batch of plan.encode([])) void batch;
      const cap = plan.result().readCap;
      if (cap !== v.expected) mismatches.push(`vector ${v.index}: ${cap} != ${v.expected}`);
    }
    expect(mismatches).toEqual([]);
  });
});
