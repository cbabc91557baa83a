/** Worker thread entry: codes segments posted by {@link createSegmentCoder}. */
import { parentPort } from 'node:worker_threads';
import { codeSegment } from './segment-coder.ts';
import type { SegmentJob } from './segment-job.ts';

const port = parentPort;
if (port === null) throw new Error('segment-worker must run as a worker thread');

port.on('message', ({ id, job }: { id: number; job: SegmentJob }) => {
  try {
    const result = codeSegment(job);
    const transfer = [
      result.segment.buffer,
      result.hashes.buffer,
      ...result.parity.map((p) => p.buffer),
    ];
    port.postMessage({ id, result }, [...new Set(transfer)] as ArrayBuffer[]);
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
