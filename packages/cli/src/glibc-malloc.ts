/**
 * glibc's allocator, reached through koffi (a registry FFI package with prebuilt binaries;
 * Node has no binding for these): `malloc_trim` gives freed heap memory back to the system, and
 * `mallopt` decides how much freed memory glibc keeps on its own. Where koffi or glibc is
 * missing (musl, macOS) the functions report that and do nothing.
 */
import { createRequire } from 'node:module';

/** Returns freed heap memory to the system. */
export type TrimFunction = () => void;

/** The functions this module calls in glibc. */
interface Libc {
  mallocTrim(pad: number): number;
  mallopt(param: number, value: number): number;
}

let libc: Libc | null | undefined;

/** glibc through koffi, or null where it cannot be called (not Linux with glibc, or no koffi). */
function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux') return libc;
  try {
    // Without glibc (musl) there is no libc.so.6 to load, or no malloc_trim in it: null.
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(path: string): { func(signature: string): (...args: number[]) => number };
    };
    const lib = koffi.load('libc.so.6');
    libc = {
      mallocTrim: lib.func('int malloc_trim(size_t)'),
      mallopt: lib.func('int mallopt(int, int)'),
    };
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * glibc's `malloc_trim(0)` as a function, or null where it cannot be called (not Linux with
 * glibc, or koffi missing).
 */
export function loadMallocTrim(): TrimFunction | null {
  const c = loadLibc();
  return c === null ? null : () => void c.mallocTrim(0);
}

/** `mallopt` parameters (glibc's malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
/** Allocations under this size come from glibc's heap, where freed memory is reused, bytes. */
export const KEEP_MMAP_THRESHOLD_BYTES = 8 * 1024 * 1024;
/** Free memory at the top of glibc's heap that it keeps rather than returns at once, bytes. */
export const KEEP_TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024;

/**
 * Makes glibc keep the memory a burst frees for the next one, leaving its return to the
 * trimmer: by default glibc gives back free memory at the top of its heap as soon as there is
 * more than a little, and serves allocations over 128 KiB (more, as it adapts) with their own
 * mappings, unmapped when freed; either way the next allocation faults in fresh pages, which
 * on this project's machines cost ~2.6 ms per MiB (docs/PERFORMANCE.md "Fifth pass"). Storage
 * nodes keep: over 100 MiB puts of fresh files, the ten nodes faulted 155–266 MiB in per put
 * by default and 67–103 MiB keeping, and used 2.33–3.07 s of CPU against 3.17–3.98 ("Sixth
 * pass"). Client nodes do not: a 1 GiB put then peaked ~9 MiB higher. Returns false where
 * glibc is out of reach.
 */
export function keepFreedMemoryUntilTrim(): boolean {
  const c = loadLibc();
  if (c === null) return false;
  // mallopt returns 1 on success; setting either also stops glibc's own threshold adapting.
  return (
    c.mallopt(M_MMAP_THRESHOLD, KEEP_MMAP_THRESHOLD_BYTES) === 1 &&
    c.mallopt(M_TRIM_THRESHOLD, KEEP_TRIM_THRESHOLD_BYTES) === 1
  );
}
