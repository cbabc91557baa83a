/**
 * Block hashing, `H["allmydata_encoded_subshare_v1"](block)` for every share of every segment,
 * is about 3.3× the plaintext at 3-of-10 and the largest single cost of encoding. It runs on a
 * worker thread so it overlaps encryption and erasure coding on the other core (spec §2.5;
 * measured in docs/PERFORMANCE.md). The worker is plain CommonJS evaluated from a string, so
 * it also works inside the bundled CLI.
 */
import { Worker } from 'node:worker_threads';
import { TAG, taggedHash } from '@tessera/caps';

/** Hashes the n blocks of one segment. */
export interface BlockHasher {
  hash(blocks: readonly Uint8Array[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** Hashes on the calling thread. */
function inlineHasher(): BlockHasher {
  return {
    hash: (blocks) => Promise.resolve(blocks.map((b) => taggedHash(TAG.ENCODED_SUBSHARE, b))),
    close: () => Promise.resolve(),
  };
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const tag = Buffer.from(${JSON.stringify(`${TAG.ENCODED_SUBSHARE.length}:${TAG.ENCODED_SUBSHARE},`)});
parentPort.on('message', ({ id, blocks }) => {
  const out = new Uint8Array(32 * blocks.length);
  for (let i = 0; i < blocks.length; i++) {
    const inner = createHash('sha256').update(tag).update(blocks[i]).digest();
    out.set(createHash('sha256').update(inner).digest(), 32 * i);
  }
  parentPort.postMessage({ id, hashes: out }, [out.buffer]);
});
`;

/** Hashes on a worker thread; results come back in order of submission. */
function workerHasher(): BlockHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const waiting = new Map<
    number,
    { resolve: (h: Uint8Array[]) => void; reject: (e: unknown) => void }
  >();
  let nextId = 0;
  let failure: Error | undefined;
  worker.on('message', ({ id, hashes }: { id: number; hashes: Uint8Array }) => {
    const w = waiting.get(id);
    if (w === undefined) return;
    waiting.delete(id);
    const out: Uint8Array[] = [];
    for (let i = 0; i < hashes.length; i += 32) out.push(hashes.subarray(i, i + 32));
    w.resolve(out);
  });
  const fail = (err: unknown): void => {
    failure = err instanceof Error ? err : new Error(String(err));
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (waiting.size > 0) fail(new Error(`Block hash worker exited with code ${code}`));
  });
  return {
    hash(blocks) {
      if (failure !== undefined) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, blocks });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** A block hasher; `useWorker` moves the hashing to a worker thread. */
export function createBlockHasher(useWorker: boolean): BlockHasher {
  return useWorker ? workerHasher() : inlineHasher();
}
