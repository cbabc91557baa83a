/**
 * The container of an unclosed upload, written past the page cache (`O_DIRECT`) where the file
 * system takes it, through the page cache where it does not (tmpfs, for one).
 *
 * Why: a share is written once and read back later, if ever, so caching it as it is written
 * buys little, and on this project's machine class it costs a lot: the VM gives freed memory
 * back to its host at once, so every page the kernel hands out fresh costs ~2.6 ms per MiB
 * to touch, and a 100 MiB put's 340 MB of buffered share writes cost the storage nodes about
 * a second of CPU; written direct, about 0.02 s (docs/PERFORMANCE.md, fifth pass).
 *
 * Direct writes start and end on page boundaries and come from page-aligned memory, so data is
 * copied into staging slots cut from one WebAssembly memory (mapped, hence page-aligned), and
 * a page a write covers only in part is completed from the file first (or from the copy kept
 * of the last such page, which the next write usually continues). Every write is in the file
 * when it returns; the file may reach up to a page past the data, which `truncate` removes
 * at close.
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptContainerError } from './errors.ts';
import { readFully, writeFully } from './share-files.ts';

/** Direct I/O granularity: offsets, lengths and memory aligned to this many bytes. */
export const DIRECT_PAGE = 4096;
/** Bytes one staging slot holds; a longer write goes out in several. */
export const STAGING_SLOT_SIZE = 256 * 1024;
/**
 * Slots in the process (512 KiB in all, resident once used): direct writes beyond this many at
 * once wait for one. Writes to one upload are serial anyway, and two slots keep a disk busy.
 */
const STAGING_SLOTS = 2;
const WASM_PAGE = 65536;

export interface ContainerFile {
  /** Whether writes bypass the page cache. */
  readonly direct: boolean;
  /** Writes all of `data` at `position`; it is in the file (not yet durable) on return. */
  write(data: Uint8Array, position: number): Promise<void>;
  /**
   * Reads exactly `into.length` bytes at `position`.
   * @throws {CorruptContainerError} when the file ends first
   */
  read(into: Uint8Array, position: number): Promise<void>;
  /** Sets the file's size (direct writes leave it rounded up to a page). */
  truncate(size: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens (or with `create`, creates or empties) a container for reading and writing. */
export async function openContainerFile(
  path: string,
  options: { create: boolean; direct: boolean },
): Promise<ContainerFile> {
  const flags = constants.O_RDWR | (options.create ? constants.O_CREAT | constants.O_TRUNC : 0);
  if (!options.direct) return new BufferedContainer(await open(path, flags, 0o666));
  return new DirectContainer(await open(path, flags | constants.O_DIRECT, 0o666));
}

/**
 * Whether containers in `dir` can be written direct: a real unaligned write through
 * {@link openContainerFile}, read back. False where the file system refuses `O_DIRECT` or
 * the memory's alignment.
 */
export async function probeDirectWrites(dir: string): Promise<boolean> {
  const path = join(dir, '.direct-probe');
  const data = new Uint8Array(DIRECT_PAGE + 7).map((_, i) => i % 251);
  try {
    const file = await openContainerFile(path, { create: true, direct: true });
    try {
      await file.write(data, 5);
      await file.truncate(5 + data.length);
      const back = new Uint8Array(data.length);
      await file.read(back, 5);
      return Buffer.from(back).equals(data);
    } finally {
      await file.close();
    }
  } catch {
    return false;
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

class BufferedContainer implements ContainerFile {
  readonly direct = false;
  readonly #fd: FileHandle;

  constructor(fd: FileHandle) {
    this.#fd = fd;
  }

  write(data: Uint8Array, position: number): Promise<void> {
    return writeFully(this.#fd, data, position);
  }

  read(into: Uint8Array, position: number): Promise<void> {
    return readFully(this.#fd, into, position);
  }

  truncate(size: number): Promise<void> {
    return this.#fd.truncate(size);
  }

  sync(): Promise<void> {
    return this.#fd.sync();
  }

  close(): Promise<void> {
    return this.#fd.close();
  }
}

const floorPage = (n: number): number => n - (n % DIRECT_PAGE);
const ceilPage = (n: number): number => floorPage(n + DIRECT_PAGE - 1);

class DirectContainer implements ContainerFile {
  readonly direct = true;
  readonly #fd: FileHandle;
  /** The file's bytes of the last page a write ended inside, at `position`. */
  #partial: { position: number; bytes: Uint8Array } | undefined;

  constructor(fd: FileHandle) {
    this.#fd = fd;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    const end = position + data.length;
    const slot = await staging().take();
    try {
      for (let at = position; at < end;) {
        const first = floorPage(at);
        const stop = Math.min(first + STAGING_SLOT_SIZE, ceilPage(end));
        const upto = Math.min(end, stop);
        const chunk = slot.subarray(0, stop - first);
        const lastPage = stop - DIRECT_PAGE;
        if (at > first) await this.#loadPage(first, chunk.subarray(0, DIRECT_PAGE));
        if (upto < stop && !(at > first && lastPage === first)) {
          await this.#loadPage(lastPage, chunk.subarray(lastPage - first));
        }
        chunk.set(data.subarray(at - position, upto - position), at - first);
        await writeFully(this.#fd, chunk, first);
        // The file now holds `chunk` at `first`: a kept page inside it is out of date.
        this.#partial =
          upto < stop ? { position: lastPage, bytes: chunk.slice(lastPage - first) } : undefined;
        at = upto;
      }
    } finally {
      staging().give(slot);
    }
  }

  async read(into: Uint8Array, position: number): Promise<void> {
    const end = position + into.length;
    const slot = await staging().take();
    try {
      for (let at = position; at < end;) {
        const first = floorPage(at);
        const stop = Math.min(first + STAGING_SLOT_SIZE, ceilPage(end));
        const upto = Math.min(end, stop);
        const { bytesRead } = await this.#fd.read(slot, 0, stop - first, first);
        if (first + bytesRead < upto) {
          throw new CorruptContainerError('Cannot read upload: the file ends early');
        }
        into.set(slot.subarray(at - first, upto - first), at - position);
        at = upto;
      }
    } finally {
      staging().give(slot);
    }
  }

  /** Fills `into` (one page of a staging slot) with the file's page at `position`. */
  async #loadPage(position: number, into: Uint8Array): Promise<void> {
    if (this.#partial?.position === position) {
      into.set(this.#partial.bytes);
      return;
    }
    // A direct read is short only at the end of the file; past it the page is zeros.
    const { bytesRead } = await this.#fd.read(into, 0, DIRECT_PAGE, position);
    into.fill(0, bytesRead);
  }

  truncate(size: number): Promise<void> {
    this.#partial = undefined;
    return this.#fd.truncate(size);
  }

  sync(): Promise<void> {
    return this.#fd.sync();
  }

  close(): Promise<void> {
    this.#partial = undefined;
    return this.#fd.close();
  }
}

/** The one part of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
interface WasmGlobal {
  WebAssembly: {
    Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  };
}

/** Page-aligned staging slots, shared by every direct container in the process. */
class StagingSlots {
  readonly #free: Uint8Array[] = [];
  readonly #waiting: ((slot: Uint8Array) => void)[] = [];

  constructor() {
    const pages = (STAGING_SLOTS * STAGING_SLOT_SIZE) / WASM_PAGE;
    const { buffer } = new (globalThis as unknown as WasmGlobal).WebAssembly.Memory({
      initial: pages,
      maximum: pages,
    });
    for (let i = 0; i < STAGING_SLOTS; i++) {
      this.#free.push(new Uint8Array(buffer, i * STAGING_SLOT_SIZE, STAGING_SLOT_SIZE));
    }
  }

  take(): Promise<Uint8Array> {
    const slot = this.#free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  give(slot: Uint8Array): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(slot);
    else this.#free.push(slot);
  }
}

let slots: StagingSlots | undefined;

function staging(): StagingSlots {
  slots ??= new StagingSlots();
  return slots;
}
