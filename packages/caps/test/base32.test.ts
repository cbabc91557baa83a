import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, base32Length, isBase32Of } from '../src/index.ts';
import { codeOf } from './helpers.ts';

const enc = new TextEncoder();

describe('base32', () => {
  it('matches RFC 4648 test vectors, lower-cased and unpadded', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [plain, b32] of cases) {
      expect(base32Encode(enc.encode(plain))).toBe(b32);
      expect(base32Decode(b32)).toEqual(enc.encode(plain));
    }
  });

  it('has the lengths of spec §1.4', () => {
    expect(base32Length(16)).toBe(26);
    expect(base32Length(20)).toBe(32);
    expect(base32Length(32)).toBe(52);
    expect(base32Encode(new Uint8Array(16)).length).toBe(26);
  });

  it('ends a 16-byte value in one of "aeimquy4" and a 32-byte value in "a" or "q"', () => {
    const last16 = new Set<string>();
    const last32 = new Set<string>();
    for (let i = 0; i < 256; i++) {
      last16.add(base32Encode(new Uint8Array(16).fill(i)).at(-1)!);
      last32.add(base32Encode(new Uint8Array(32).fill(i)).at(-1)!);
    }
    expect([...last16].every((c) => 'aeimquy4'.includes(c))).toBe(true);
    expect([...last16].sort().join('')).toBe('4aeimquy');
    expect([...last32].sort().join('')).toBe('aq');
    const head = 'a'.repeat(25);
    for (const c of 'abcdefghijklmnopqrstuvwxyz234567') {
      expect(isBase32Of(head + c, 16)).toBe('aeimquy4'.includes(c));
    }
    for (const c of 'abcdefghijklmnopqrstuvwxyz234567') {
      expect(isBase32Of('a'.repeat(51) + c, 32)).toBe(c === 'a' || c === 'q');
    }
  });

  it.each([
    ['upper case', 'MZXW6'],
    ['padding', 'mzxw6==='],
    ['padding only', '='],
    ['characters 0, 1, 8, 9', 'mzxw0'],
    ['non-zero trailing bits', 'mz'],
    ['impossible length 1', 'm'],
    ['impossible length 3', 'mzx'],
    ['impossible length 6', 'mzxw6y'],
    ['space', 'mzx w6'],
    ['non-ASCII', 'mzxwé'],
  ])('rejects %s with CAPS_MALFORMED_BASE32', (_name, text) => {
    expect(codeOf(() => base32Decode(text))).toBe('CAPS_MALFORMED_BASE32');
  });

  it('isBase32Of checks the exact byte length', () => {
    const text = base32Encode(new Uint8Array(16).fill(7));
    expect(isBase32Of(text, 16)).toBe(true);
    expect(isBase32Of(text, 15)).toBe(false);
    expect(isBase32Of(text.toUpperCase(), 16)).toBe(false);
  });
});
