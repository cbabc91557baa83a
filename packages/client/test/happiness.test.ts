import { describe, expect, it } from 'vitest';
import {
  assertHappiness,
  ClientError,
  maximumMatching,
  mergeShareMaps,
  servicedHappiness,
  UploadUnhappyError,
} from '../src/index.ts';

const layout = (entries: Record<string, number[]>): Map<string, Set<number>> =>
  new Map(Object.entries(entries).map(([server, shares]) => [server, new Set(shares)]));

describe('servicedHappiness', () => {
  it('counts the example of Tahoe happinessutil.servers_of_happiness as 5', () => {
    const sharemap = layout({ s1: [1, 2, 3, 4], s2: [6], s3: [3], s4: [4], s5: [2] });
    expect(servicedHappiness(sharemap)).toBe(5);
  });

  it('is 0 for nothing and 1 for one server holding everything', () => {
    expect(servicedHappiness(new Map())).toBe(0);
    expect(servicedHappiness(layout({ a: [] }))).toBe(0);
    expect(servicedHappiness(layout({ a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }))).toBe(1);
  });

  it('is 1 when every server holds the same share', () => {
    expect(servicedHappiness(layout({ a: [3], b: [3], c: [3], d: [3] }))).toBe(1);
  });

  it('counts 3/7/10 spread one share per server as 10', () => {
    const sharemap = new Map(Array.from({ length: 10 }, (_, i) => [`s${i}`, [i]]));
    expect(servicedHappiness(sharemap)).toBe(10);
  });

  it('finds augmenting paths that reassign earlier servers', () => {
    // a takes 0 first; b can only hold 0, so a must move to 1; c can only hold 1, so a moves to 2.
    const sharemap = layout({ a: [0, 1, 2], b: [0], c: [1] });
    expect(servicedHappiness(sharemap)).toBe(3);
    expect(maximumMatching(sharemap)).toEqual(
      new Map([
        ['a', 2],
        ['b', 0],
        ['c', 1],
      ]),
    );
  });
});

describe('maximumMatching', () => {
  it('prefers earlier servers when not all can be matched', () => {
    expect([...maximumMatching(layout({ a: [0], b: [0], c: [0] })).keys()]).toEqual(['a']);
    expect([...maximumMatching(layout({ c: [0, 1], b: [0], a: [1] })).keys()]).toEqual(['c', 'b']);
  });

  it('tries shares in the order each server lists them', () => {
    expect(maximumMatching(layout({ a: [5, 2] })).get('a')).toBe(5);
  });
});

describe('mergeShareMaps', () => {
  it('unions shares per server, servers in first-seen order', () => {
    const merged = mergeShareMaps(layout({ b: [1], a: [0] }), layout({ a: [2], c: [3] }));
    expect([...merged]).toEqual([
      ['b', new Set([1])],
      ['a', new Set([0, 2])],
      ['c', new Set([3])],
    ]);
  });
});

describe('assertHappiness', () => {
  it('returns the happiness when it is enough', () => {
    expect(assertHappiness(layout({ a: [0], b: [1] }), { happy: 2, totalShares: 3 })).toBe(2);
  });

  it('throws CLIENT_UPLOAD_UNHAPPY with the servers it could use', () => {
    let error: unknown;
    try {
      assertHappiness(layout({ a: [0], b: [1], c: [2], d: [] }), { happy: 7, totalShares: 10 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UploadUnhappyError);
    expect(error).toBeInstanceOf(ClientError);
    const unhappy = error as UploadUnhappyError;
    expect(unhappy.code).toBe('CLIENT_UPLOAD_UNHAPPY');
    expect(unhappy.name).toBe('UploadUnhappyError');
    expect({ ...unhappy }).toMatchObject({ happiness: 3, happy: 7, serversUsable: 3, shares: 10 });
    expect(unhappy.message).toBe(
      'Cannot upload: shares could only be placed on 3 servers, need 7 (happy)',
    );
  });

  it('says when servers hold only duplicate shares', () => {
    expect(() =>
      assertHappiness(layout({ a: [0], b: [0], c: [0], d: [1] }), { happy: 3, totalShares: 4 }),
    ).toThrow(
      'Cannot upload: shares could only be placed on 4 servers, of which 2 hold distinct shares, need 3 (happy)',
    );
  });
});
