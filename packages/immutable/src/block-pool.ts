/**
 * Spare block buffers for the segment coder. An upload of a large file codes blocks at
 * 3.3 bytes per byte of plaintext (3-of-10) and holds each until its server has it; allocated
 * fresh, those buffers outlive V8's young generation and pile up between full collections
 * (docs/PERFORMANCE.md, "Fourth pass"). Blocks given back once written are reused instead.
 */
import { allocUninitialized } from '@tessera/codec';

/** Spares kept at most, in bytes (a hundred 341 KiB blocks of a 1 MiB 3-of-N segment). */
export const MAX_SPARE_BYTES = 32 * 1024 * 1024;

/** True when `b` spans its whole, non-shared `ArrayBuffer`: only such a buffer can move or be reused. */
export function ownsBuffer(b: Uint8Array): boolean {
  return (
    b.byteOffset === 0 &&
    b.byteLength === b.buffer.byteLength &&
    !(b.buffer instanceof SharedArrayBuffer)
  );
}

/** Block buffers by length, up to {@link MAX_SPARE_BYTES}; past that, spares are left to the GC. */
export class BlockPool {
  readonly #free = new Map<number, Uint8Array[]>();
  #bytes = 0;

  constructor(readonly maxBytes = MAX_SPARE_BYTES) {}

  /** Bytes held as spares. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A buffer of `length` bytes with unspecified contents: a spare, else a new one. */
  take(length: number): Uint8Array {
    return this.takeSpares(length, 1)[0] ?? allocUninitialized(length);
  }

  /** Up to `count` spares of `length` bytes (fewer when the pool has fewer), removed from it. */
  takeSpares(length: number, count: number): Uint8Array[] {
    const list = this.#free.get(length);
    if (list === undefined) return [];
    const taken = list.splice(Math.max(0, list.length - count));
    this.#bytes -= taken.length * length;
    return taken;
  }

  /** Keeps `b` for a later {@link take}, when it owns its buffer, is not empty and fits. */
  give(b: Uint8Array): void {
    if (b.length === 0 || !ownsBuffer(b) || this.#bytes + b.length > this.maxBytes) return;
    const list = this.#free.get(b.length);
    if (list === undefined) this.#free.set(b.length, [b]);
    else if (list.includes(b))
      return; // given twice: keeping it twice would hand it out twice
    else list.push(b);
    this.#bytes += b.length;
  }
}
