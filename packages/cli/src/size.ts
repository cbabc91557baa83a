/** SIZE arguments (CLI.md): bytes with an optional suffix, K M G T = 1000^n, KiB MiB GiB TiB = 1024^n. */
import { UsageError } from './errors.ts';

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/**
 * Parses a SIZE such as `500M`, `2GiB` or `4096`.
 * @throws {UsageError} for anything else
 */
export function parseSize(text: string, what = 'size'): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  const unit = m === null ? undefined : UNITS[m[2]];
  if (m === null || unit === undefined) {
    throw new UsageError(
      `Cannot parse ${what} "${text}": expected a number of bytes, optionally with K, M, G, T, KiB, MiB, GiB or TiB`,
    );
  }
  const value = Number(m[1]) * unit;
  if (!Number.isSafeInteger(Math.round(value)))
    throw new UsageError(`Cannot use ${what} "${text}": too large`);
  return Math.round(value);
}

/** Parses a positive integer option. */
export function parseCount(text: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text))
    throw new UsageError(`Cannot parse ${what} "${text}": expected an integer`);
  const v = Number(text);
  if (v < min || v > max)
    throw new UsageError(`Cannot use ${what} ${v}: expected ${min} to ${max}`);
  return v;
}
