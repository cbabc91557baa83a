import { describe, expect, it } from 'vitest';
import { netstring, readNetstring } from '../src/index.ts';
import { codeOf } from './helpers.ts';

const enc = new TextEncoder();
const ascii = (s: string): Uint8Array => enc.encode(s);

describe('netstring', () => {
  it('encodes as len ":" data ","', () => {
    expect(netstring('abc')).toEqual(ascii('3:abc,'));
    expect(netstring('')).toEqual(ascii('0:,'));
    expect(netstring(new Uint8Array([0, 255]))).toEqual(new Uint8Array([0x32, 0x3a, 0, 255, 0x2c]));
    // Strings are UTF-8: "é" is 2 bytes.
    expect(netstring('é')).toEqual(new Uint8Array([0x32, 0x3a, 0xc3, 0xa9, 0x2c]));
  });

  it('reads one netstring and reports where it ends', () => {
    const buf = ascii('xx3:abc,0:,');
    const first = readNetstring(buf, 2);
    expect(first.value).toEqual(ascii('abc'));
    expect(first.end).toBe(8);
    const second = readNetstring(buf, first.end);
    expect(second.value).toEqual(new Uint8Array(0));
    expect(second.end).toBe(buf.length);
  });

  it.each([
    ['empty input', ''],
    ['no length', ':abc,'],
    ['no colon', '3abc,'],
    ['leading zero', '03:abc,'],
    ['double zero', '00:,'],
    ['missing comma', '3:abc'],
    ['wrong terminator', '3:abc;'],
    ['too short', '5:abc,'],
    ['sign', '+3:abc,'],
    ['too many digits', '1234567890123456:x,'],
  ])('rejects %s with CAPS_MALFORMED_NETSTRING', (_name, text) => {
    expect(codeOf(() => readNetstring(ascii(text)))).toBe('CAPS_MALFORMED_NETSTRING');
  });

  it('rejects an offset past the end', () => {
    expect(codeOf(() => readNetstring(ascii('3:abc,'), 6))).toBe('CAPS_MALFORMED_NETSTRING');
    expect(codeOf(() => readNetstring(ascii('3:abc,'), 100))).toBe('CAPS_MALFORMED_NETSTRING');
  });
});
