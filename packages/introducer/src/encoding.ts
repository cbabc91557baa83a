/**
 * Choosing the encoding a client uses (CLI.md "Nodes": K/H/N are what the client was
 * configured with; otherwise what the introducer advises; otherwise 3/7/10, Tahoe's).
 * @packageDocumentation
 */
import type { RecommendedEncoding } from '@tessera/protocol';
import { DEFAULT_ENCODING } from './constants.ts';

/** A complete encoding: k (`sharesNeeded`), happy (`sharesHappy`), N (`sharesTotal`). */
export interface Encoding {
  sharesNeeded: number;
  sharesHappy: number;
  sharesTotal: number;
}

/** True when `1 <= k <= N <= 256` and `1 <= happy <= N`. */
export function isValidEncoding(e: Encoding): boolean {
  const int = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;
  return (
    int(e.sharesNeeded) &&
    int(e.sharesHappy) &&
    int(e.sharesTotal) &&
    e.sharesTotal <= 256 &&
    e.sharesNeeded <= e.sharesTotal &&
    e.sharesHappy <= e.sharesTotal
  );
}

function pick(e: RecommendedEncoding | undefined): RecommendedEncoding {
  const out: RecommendedEncoding = {};
  if (e?.sharesNeeded !== undefined) out.sharesNeeded = e.sharesNeeded;
  if (e?.sharesHappy !== undefined) out.sharesHappy = e.sharesHappy;
  if (e?.sharesTotal !== undefined) out.sharesTotal = e.sharesTotal;
  return out;
}

/** Fills the fields `e` lacks with 3/7/10, k and happy capped at N. */
function fill(e: RecommendedEncoding): Encoding {
  const sharesTotal = e.sharesTotal ?? DEFAULT_ENCODING.sharesTotal;
  return {
    sharesNeeded: e.sharesNeeded ?? Math.min(DEFAULT_ENCODING.sharesNeeded, sharesTotal),
    sharesHappy: e.sharesHappy ?? Math.min(DEFAULT_ENCODING.sharesHappy, sharesTotal),
    sharesTotal,
  };
}

/**
 * The encoding to use: field by field, the client's own setting, else the introducer's
 * recommendation, else Tahoe's 3/7/10 (a defaulted k or happy is capped at N, so
 * `{ sharesTotal: 5 }` alone gives 3/5/5). When mixing own settings with the recommendation
 * gives an impossible combination (own N = 5 with a recommended k of 7), the recommendation is
 * ignored as a whole.
 * @throws {RangeError} when the client's own settings are impossible even with the defaults
 * @example
 * ```ts
 * resolveEncoding({ sharesTotal: 6 }, { sharesNeeded: 2, sharesHappy: 4, sharesTotal: 8 });
 * // { sharesNeeded: 2, sharesHappy: 4, sharesTotal: 6 }
 * ```
 */
export function resolveEncoding(
  own: RecommendedEncoding | undefined,
  recommended: RecommendedEncoding | undefined,
): Encoding {
  const mine = pick(own);
  const merged = fill({ ...pick(recommended), ...mine });
  if (isValidEncoding(merged)) return merged;
  const fallback = fill(mine);
  if (isValidEncoding(fallback)) return fallback;
  throw new RangeError(
    `Cannot use encoding ${fallback.sharesNeeded}/${fallback.sharesHappy}/${fallback.sharesTotal}: need 1 <= k <= N <= 256 and 1 <= happy <= N`,
  );
}
