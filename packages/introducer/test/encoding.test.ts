import { describe, expect, it } from 'vitest';
import { DEFAULT_ENCODING, isValidEncoding, resolveEncoding } from '../src/index.ts';

describe('resolveEncoding', () => {
  it("takes the client's own settings over the introducer's, over 3/7/10", () => {
    expect(resolveEncoding(undefined, undefined)).toEqual(DEFAULT_ENCODING);
    expect(resolveEncoding({}, { sharesNeeded: 2, sharesHappy: 4, sharesTotal: 5 })).toEqual({
      sharesNeeded: 2,
      sharesHappy: 4,
      sharesTotal: 5,
    });
    expect(
      resolveEncoding({ sharesTotal: 6 }, { sharesNeeded: 2, sharesHappy: 4, sharesTotal: 8 }),
    ).toEqual({ sharesNeeded: 2, sharesHappy: 4, sharesTotal: 6 });
    expect(resolveEncoding({ sharesNeeded: 1 }, { sharesHappy: 2 })).toEqual({
      sharesNeeded: 1,
      sharesHappy: 2,
      sharesTotal: 10,
    });
  });

  it('ignores a recommendation that does not fit the own settings', () => {
    expect(
      resolveEncoding({ sharesTotal: 5 }, { sharesNeeded: 7, sharesHappy: 8, sharesTotal: 12 }),
    ).toEqual({
      sharesNeeded: 3,
      sharesHappy: 5,
      sharesTotal: 5,
    });
  });

  it('caps defaulted k and happy at a small own N', () => {
    expect(resolveEncoding({ sharesTotal: 2 }, undefined)).toEqual({
      sharesNeeded: 2,
      sharesHappy: 2,
      sharesTotal: 2,
    });
  });

  it('throws when the own settings are impossible', () => {
    expect(() => resolveEncoding({ sharesNeeded: 11 }, undefined)).toThrow(RangeError);
    expect(() => resolveEncoding({ sharesTotal: 300 }, undefined)).toThrow(RangeError);
    expect(isValidEncoding({ sharesNeeded: 0, sharesHappy: 1, sharesTotal: 1 })).toBe(false);
  });
});
