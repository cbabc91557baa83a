import { describe, expect, it } from 'vitest';
import { permutationKey, permutedServers } from '../src/index.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

// Tahoe's test_client.Basic.test_permute / test_permute_with_preferred: five servers whose
// permutation seeds are the ASCII bytes "0".."4", permuted by the peer selection indexes "one"
// and "two". Tahoe hard-codes these orders because they must never change across releases.
const servers = ['0', '1', '2', '3', '4'].map((name) => ({ name, permutationSeed: ascii(name) }));
const names = (list: readonly { name: string }[]): string => list.map((s) => s.name).join('');

describe('permutedServers', () => {
  it('matches the orders hard-coded in Tahoe', () => {
    expect(names(permutedServers(servers, ascii('one')))).toBe('31042');
    expect(names(permutedServers(servers, ascii('two')))).toBe('04213');
  });

  it('puts preferred servers first, in ring order (Tahoe test_permute_with_preferred)', () => {
    const preferred = (s: { name: string }): boolean => s.name === '1' || s.name === '4';
    expect(names(permutedServers(servers, ascii('one'), { preferred }))).toBe('14302');
    expect(names(permutedServers(servers, ascii('two'), { preferred }))).toBe('41023');
  });

  it('orders by SHA1(storage index ‖ seed), bytewise ascending', () => {
    const si = new Uint8Array(16).fill(7);
    const ring = permutedServers(servers, si);
    const keys = ring.map((s) => Buffer.from(permutationKey(si, s.permutationSeed)));
    for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1], keys[i])).toBe(-1);
    expect(permutationKey(si, ascii('0'))).toHaveLength(20);
  });

  it('returns a new array and leaves the input alone', () => {
    const input = [...servers];
    const ring = permutedServers(input, ascii('one'));
    expect(ring).not.toBe(input);
    expect(names(input)).toBe('01234');
    expect(permutedServers([], ascii('one'))).toEqual([]);
  });

  it('keeps input order among servers with equal seeds', () => {
    const twins = [
      { name: 'a', permutationSeed: ascii('x') },
      { name: 'b', permutationSeed: ascii('x') },
    ];
    expect(names(permutedServers(twins, ascii('one')))).toBe('ab');
    expect(names(permutedServers([...twins].reverse(), ascii('one')))).toBe('ba');
  });

  it('rejects a storage index or seed that is not bytes', () => {
    expect(() => permutedServers(servers, 'one' as unknown as Uint8Array)).toThrow(TypeError);
    const bad = [{ permutationSeed: 'x' as unknown as Uint8Array }];
    expect(() => permutedServers(bad, ascii('one'))).toThrow(TypeError);
  });
});
