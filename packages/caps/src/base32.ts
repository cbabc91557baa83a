/** Lower-case RFC 4648 base32 without padding (spec §1.4). */
import { MalformedBase32Error } from './errors.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as lower-case unpadded base32 (16 B → 26 chars, 32 B → 52). */
export function base32Encode(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** The number of base32 characters that encode `n` bytes. */
export function base32Length(n: number): number {
  return Math.ceil((n * 8) / 5);
}

/**
 * Decodes canonical lower-case unpadded base32: the length must be one that an encoding
 * produces and the unused trailing bits must be zero, so every byte string has exactly one
 * text form (spec §1.4).
 * @throws {MalformedBase32Error} CAPS_MALFORMED_BASE32
 */
export function base32Decode(text: string): Uint8Array {
  const n = Math.floor((text.length * 5) / 8);
  if (base32Length(n) !== text.length) {
    throw new MalformedBase32Error(`Cannot decode base32: impossible length ${text.length}`);
  }
  const out = new Uint8Array(n);
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) {
      throw new MalformedBase32Error(
        `Cannot decode base32: invalid character ${JSON.stringify(text[i])} at ${i}`,
      );
    }
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new MalformedBase32Error('Cannot decode base32: non-zero trailing bits');
  }
  return out;
}

/** True when `text` is canonical base32 for exactly `bytes` bytes. */
export function isBase32Of(text: string, bytes: number): boolean {
  if (text.length !== base32Length(bytes)) return false;
  try {
    base32Decode(text);
    return true;
  } catch {
    return false;
  }
}
