/**
 * The iteration order CPython gives a `set` of small non-negative ints built by adding them
 * in a given order. Tahoe writes a share's hash chain in the order of such a set (spec §2.9:
 * ascending for N = 10, but not for N = 256), so byte-identical share files need it.
 *
 * This models CPython's setobject.c for int keys (hash(i) = i): a table of 8 slots, lookups
 * probe slot i and then the next LINEAR_PROBES slots when they fit, then perturb; the table
 * grows to the next power of two above 4 × used once fill × 5 ≥ mask × 3, re-inserting the old
 * entries in slot order.
 */
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;
const MIN_SIZE = 8;

function insert(table: (number | undefined)[], key: number): void {
  const mask = table.length - 1;
  let perturb = key;
  let i = key & mask;
  for (;;) {
    const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
    for (let j = 0; j <= probes; j++) {
      if (table[i + j] === undefined) {
        table[i + j] = key;
        return;
      }
    }
    perturb >>>= PERTURB_SHIFT;
    i = (i * 5 + 1 + perturb) & mask;
  }
}

/** Returns `values` (distinct non-negative ints) in CPython set iteration order. */
export function pythonSetOrder(values: readonly number[]): number[] {
  let table: (number | undefined)[] = new Array<number | undefined>(MIN_SIZE);
  let used = 0;
  for (const v of values) {
    if (table.includes(v)) continue;
    insert(table, v);
    used++;
    const mask = table.length - 1;
    if (used * 5 >= mask * 3) {
      let size = MIN_SIZE;
      const minUsed = used > 50000 ? used * 2 : used * 4;
      while (size <= minUsed) size <<= 1;
      const old = table;
      table = new Array<number | undefined>(size);
      for (const k of old) if (k !== undefined) insert(table, k);
    }
  }
  return table.filter((k): k is number => k !== undefined);
}
