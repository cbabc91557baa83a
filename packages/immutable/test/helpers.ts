/** Test helpers: encode into in-memory shares and read them back. */
import { parseCap, type ChkCap } from '@tessera/caps';
import {
  bytesSource,
  decodeChk,
  planChkUpload,
  type ChkEncodeOptions,
  type ChkDecodeOptions,
  type ShareReader,
} from '../src/index.ts';

export interface Encoded {
  readCap: string;
  verifyCap: string | undefined;
  /** share number → the share's bytes */
  shares: Map<number, Uint8Array>;
  allocatedSize: number;
}

/** Encodes `data` and assembles every share's bytes from the writes, checking they tile it. */
export async function encodeToMemory(
  data: Uint8Array,
  options: ChkEncodeOptions,
): Promise<Encoded> {
  const plan = await planChkUpload(bytesSource(data), options);
  const shares = new Map<number, Uint8Array>();
  const filled = new Map<number, number>();
  const size = plan.layout?.allocatedSize ?? 0;
  for await (const batch of plan.encode()) {
    for (const w of batch) {
      let buf = shares.get(w.shareNum);
      if (!buf) {
        buf = new Uint8Array(size);
        shares.set(w.shareNum, buf);
      }
      if (w.offset + w.data.length > size) throw new Error('write past the allocated size');
      buf.set(w.data, w.offset);
      filled.set(w.shareNum, (filled.get(w.shareNum) ?? 0) + w.data.length);
    }
  }
  for (const [num, n] of filled)
    if (n !== size) throw new Error(`share ${num}: wrote ${n} of ${size}`);
  const r = plan.result();
  return { readCap: r.readCap, verifyCap: r.verifyCap, shares, allocatedSize: size };
}

/** A reader over bytes in memory, counting what it reads. */
export function memoryReader(
  shareNum: number,
  bytes: Uint8Array,
): ShareReader & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    shareNum,
    reads,
    read(offset, length) {
      reads.push([offset, length]);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
  };
}

/** Decodes from the given shares into one buffer. */
export async function decodeFromMemory(
  readCap: string,
  shares: Map<number, Uint8Array>,
  options: ChkDecodeOptions = {},
): Promise<Uint8Array> {
  const cap = parseCap(readCap) as ChkCap;
  const readers = [...shares].map(([num, bytes]) => memoryReader(num, bytes));
  const parts: Uint8Array[] = [];
  for await (const chunk of decodeChk(cap, readers, options)) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

/** Deterministic pseudo-random bytes. */
export function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
