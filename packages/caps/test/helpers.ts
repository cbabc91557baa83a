/** Shared test helpers of `@tessera/caps`. */
import { CapsError } from '../src/index.ts';

/** The `CapsError` code `fn` throws, or undefined when it returns; other errors propagate. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CapsError) return e.code;
    throw e;
  }
  return undefined;
}

/** The bytes of `parts`, one after another. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
