/** Worker thread entry: codes and decodes segments posted by {@link createSegmentCoder}. */
import { parentPort } from 'node:worker_threads';
import { ownsBuffer } from './block-pool.ts';
import { runJob } from './segment-coder.ts';
import type { DecodeResult, SegmentResult, WorkerJob } from './segment-job.ts';

const port = parentPort;
if (port === null) throw new Error('segment-worker must run as a worker thread');

/** The result, its plaintext copied when it does not own its buffer whole, and what can move. */
function movable(
  result: SegmentResult | DecodeResult,
): [SegmentResult | DecodeResult, ArrayBuffer[]] {
  if ('hashes' in result) {
    const all = [result.hashes, result.segment, ...result.blocks].map((b) => b.buffer);
    return [result, [...new Set(all)] as ArrayBuffer[]];
  }
  const { plain } = result;
  if (plain === undefined) return [result, []];
  // A small output can share Node's buffer pool: only a buffer owned whole may move.
  const own = ownsBuffer(plain) ? plain : plain.slice();
  return [{ plain: own }, [own.buffer as ArrayBuffer]];
}

port.on('message', ({ id, job }: { id: number; job: WorkerJob }) => {
  try {
    const [result, transfer] = movable(runJob(job));
    port.postMessage({ id, result }, transfer);
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
