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
