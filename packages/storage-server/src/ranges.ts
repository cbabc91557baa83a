/** Sets of written byte ranges, kept sorted and merged (bucket-write bookkeeping). */
import type { ByteRange } from './errors.ts';

/** A sorted list of disjoint, non-adjacent half-open intervals `[start, end)`. */
export class RangeSet {
  private spans: Array<[number, number]> = [];

  static from(ranges: Iterable<readonly [number, number]>): RangeSet {
    const set = new RangeSet();
    for (const [start, end] of ranges) set.add(start, end);
    return set;
  }

  /** Adds `[start, end)`, merging with overlapping or touching spans. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const out: Array<[number, number]> = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const span of this.spans) {
      if (span[1] < s) out.push(span);
      else if (span[0] > e) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(span);
      } else {
        s = Math.min(s, span[0]);
        e = Math.max(e, span[1]);
      }
    }
    if (!placed) out.push([s, e]);
    this.spans = out;
  }

  /** The parts of `[start, end)` that are in the set. */
  intersect(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [s, e] of this.spans) {
      const a = Math.max(s, start);
      const b = Math.min(e, end);
      if (a < b) out.push([a, b]);
    }
    return out;
  }

  /** The parts of `[0, size)` that are not in the set. */
  missing(size: number): ByteRange[] {
    const out: ByteRange[] = [];
    let cursor = 0;
    for (const [s, e] of this.spans) {
      if (s >= size) break;
      if (s > cursor) out.push({ offset: cursor, length: s - cursor });
      cursor = Math.max(cursor, e);
    }
    if (cursor < size) out.push({ offset: cursor, length: size - cursor });
    return out;
  }

  /** Total bytes covered. */
  get byteCount(): number {
    let n = 0;
    for (const [s, e] of this.spans) n += e - s;
    return n;
  }

  toArray(): Array<[number, number]> {
    return this.spans.map(([s, e]) => [s, e]);
  }

  toRanges(): ByteRange[] {
    return this.spans.map(([s, e]) => ({ offset: s, length: e - s }));
  }

  clone(): RangeSet {
    const copy = new RangeSet();
    copy.spans = this.toArray();
    return copy;
  }
}
