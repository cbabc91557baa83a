import { describe, expect, it } from 'vitest';
import { RangeSet } from '../src/ranges.ts';

describe('RangeSet', () => {
  it('merges overlapping and touching spans', () => {
    const r = new RangeSet();
    r.add(10, 20);
    r.add(30, 40);
    r.add(20, 25);
    expect(r.toArray()).toEqual([
      [10, 25],
      [30, 40],
    ]);
    r.add(0, 100);
    expect(r.toArray()).toEqual([[0, 100]]);
    expect(r.byteCount).toBe(100);
  });

  it('reports missing ranges and intersections', () => {
    const r = RangeSet.from([
      [5, 10],
      [20, 30],
    ]);
    expect(r.missing(40)).toEqual([
      { offset: 0, length: 5 },
      { offset: 10, length: 10 },
      { offset: 30, length: 10 },
    ]);
    expect(r.missing(8)).toEqual([{ offset: 0, length: 5 }]);
    expect(r.intersect(8, 25)).toEqual([
      [8, 10],
      [20, 25],
    ]);
    expect(new RangeSet().missing(0)).toEqual([]);
  });
});
