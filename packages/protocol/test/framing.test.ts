import { streamPair } from '@libp2p/utils';
import { describe, expect, it } from 'vitest';
import {
  BY_REFERENCE_BYTES,
  ByteParts,
  FrameReader,
  decodeValue,
  encodeFrame,
  encodeMessage,
  encodeValue,
  encodeValueParts,
  frameBytes,
  frameList,
  varintLength,
  writeBytes,
} from '../src/index.ts';

describe('frames', () => {
  it('round-trips MessagePack values through a stream', async () => {
    const [a, b] = await streamPair();
    const reader = new FrameReader(b);
    const values = [
      null,
      true,
      0,
      2 ** 40,
      -7,
      1.5,
      'text',
      new Uint8Array([1, 2, 3]),
      [1, [2]],
      { a: { b: 'c' } },
    ];
    for (const v of values) await writeBytes(a, encodeFrame(v, 1024));
    await a.close();
    for (const v of values) expect(await reader.read(1024)).toEqual(v);
    expect(await reader.atEnd()).toBe(true);
    expect(await reader.readBytes(1024)).toBeUndefined();
    reader.release();
  });

  it('uses standard MessagePack: maps, no records, undefined properties left out', () => {
    expect(Buffer.from(encodeValue({ a: 1, b: undefined })).toString('hex')).toBe('81a16101');
    expect(Buffer.from(encodeValue([undefined])).toString('hex')).toBe('91c0');
    expect(decodeValue(encodeValue({ x: [1, 'y'] }))).toEqual({ x: [1, 'y'] });
  });

  it('reads frames split across many small chunks and many frames in one chunk', async () => {
    const [a, b] = await streamPair();
    const reader = new FrameReader(b);
    const bytes = frameBytes([
      encodeValue('one'),
      encodeValue({ two: 2 }),
      encodeValue(new Uint8Array(300)),
    ]);
    for (let i = 0; i < bytes.length; i += 7) a.send(bytes.subarray(i, i + 7));
    a.send(frameBytes([encodeValue(4), encodeValue(5)]));
    await a.close();
    expect(await reader.read(1024)).toBe('one');
    expect(await reader.read(1024)).toEqual({ two: 2 });
    expect(await reader.read(1024)).toEqual(new Uint8Array(300));
    expect(await reader.read(1024)).toBe(4);
    expect(await reader.read(1024)).toBe(5);
    expect(await reader.atEnd()).toBe(true);
  });

  it('refuses an oversized frame from its prefix alone, with PROTOCOL_FRAME_TOO_LARGE', async () => {
    const [a, b] = await streamPair();
    const reader = new FrameReader(b);
    // announce 1 MiB but send only the prefix: the reader must not wait for the body
    a.send(new Uint8Array([0x80, 0x80, 0x40]));
    await expect(reader.read(1000)).rejects.toMatchObject({
      code: 'PROTOCOL_FRAME_TOO_LARGE',
      length: 1 << 20,
      maxBytes: 1000,
    });
    reader.release();
    await a.close();
  });

  it('refuses a frame exactly one byte over the cap and accepts one at the cap', async () => {
    const [a, b] = await streamPair();
    const reader = new FrameReader(b);
    const atCap = encodeValue('z'.repeat(95)); // 2 + 95 = 97 bytes
    a.send(frameBytes([atCap]));
    expect(await reader.read(atCap.length)).toBe('z'.repeat(95));
    a.send(frameBytes([atCap]));
    await expect(reader.read(atCap.length - 1)).rejects.toMatchObject({
      code: 'PROTOCOL_FRAME_TOO_LARGE',
    });
    reader.release();
    await a.close();
  });

  it('reports truncated frames, bad prefixes and trailing bytes as PROTOCOL_INVALID_MESSAGE', async () => {
    for (const bytes of [
      [0x05, 0x91],
      [0x80],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x80, 0x00],
      [0x02, 0x01, 0x02],
      [0x00],
    ]) {
      const [a, b] = await streamPair();
      const reader = new FrameReader(b);
      a.send(new Uint8Array(bytes));
      await a.close();
      await expect(reader.read(2 ** 40), `bytes ${bytes.join(',')}`).rejects.toMatchObject({
        code: 'PROTOCOL_INVALID_MESSAGE',
      });
      reader.release();
    }
  });

  it('encodes large byte strings by reference, to the same bytes as encodeValue', () => {
    const big = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
    const values: unknown[] = [
      big(BY_REFERENCE_BYTES, 1),
      Buffer.alloc(BY_REFERENCE_BYTES + 1, 2),
      { a: 1, data: big(1 << 20, 3), b: undefined, c: 'x' },
      { data: [big(BY_REFERENCE_BYTES - 1, 4), big(200_000, 5), big(3, 6), undefined] },
      [null, [{ deep: big(70_000, 7) }], 'tail', 2 ** 40, -1.5],
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, big(70_000, i)])),
      {
        list: Array.from({ length: 17 }, (_, i) => big(i === 3 ? 70_000 : 10, i)),
        s: 'é'.repeat(300),
      },
      { small: big(10, 8), n: 5 },
      [],
    ];
    for (const v of values) {
      const parts = encodeValueParts(v);
      expect(Buffer.concat(parts).equals(encodeValue(v))).toBe(true);
    }
    const data = big(1 << 20, 9);
    const parts = encodeValueParts({ offset: 0, data });
    expect(parts.some((p) => p === data)).toBe(true); // not copied
  });

  it('encodes ByteParts as the one byte string they make, pieces by reference', () => {
    const big = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
    for (const sizes of [[], [0], [5], [3, 4], [70_000, 10, 200_000], [BY_REFERENCE_BYTES, 1]]) {
      const pieces = sizes.map((n, i) => big(n, i + 20));
      const joined = new Uint8Array(Buffer.concat(pieces));
      const value = { offset: 7, data: new ByteParts(pieces), tail: 'x' };
      const parts = encodeValueParts(value);
      const expected = encodeValue({ offset: 7, data: joined, tail: 'x' });
      expect(Buffer.concat(parts).equals(expected)).toBe(true);
      for (const piece of pieces) {
        if (piece.length >= BY_REFERENCE_BYTES) expect(parts).toContain(piece); // not copied
      }
    }
  });

  it('frames lists of parts to the same bytes as frameBytes', () => {
    const values = [encodeValue('one'), encodeValue(new Uint8Array(300)), new Uint8Array(0)];
    expect(frameList(values).subarray()).toEqual(frameBytes(values));
    const body = { data: new Uint8Array(BY_REFERENCE_BYTES * 2).fill(1) };
    const header = { kind: 'request', id: 1, type: 'write' } as const;
    const message = encodeMessage(header, { value: body, maxBytes: 1 << 20 }).subarray();
    expect(Buffer.from(message).equals(frameBytes([encodeValue(header), encodeValue(body)]))).toBe(
      true,
    );
    expect(() => encodeMessage(header, { value: body, maxBytes: BY_REFERENCE_BYTES })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_FRAME_TOO_LARGE' }),
    );
  });

  it('refuses to encode a value over its cap', () => {
    expect(() => encodeFrame('x'.repeat(100), 50)).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_FRAME_TOO_LARGE' }),
    );
  });

  it('pauses the stream above the high water mark and resumes as frames are consumed', async () => {
    const [a, b] = await streamPair();
    const reader = new FrameReader(b, { highWaterBytes: 1000 });
    const frame = encodeFrame(new Uint8Array(600), 1000);
    for (let i = 0; i < 5; i++) a.send(frame);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.readStatus).toBe('paused');
    for (let i = 0; i < 5; i++) expect(await reader.read(1000)).toEqual(new Uint8Array(600));
    expect(b.readStatus).toBe('readable');
    reader.release();
    await a.close();
  });

  it('completes a frame whose rest arrives while resuming a paused stream', async () => {
    // The stream pauses on the first part (above the high water mark, before any read); the
    // rest is queued inside the paused stream, which hands it over synchronously on resume.
    const [a, b] = await streamPair();
    const reader = new FrameReader(b, { highWaterBytes: 1000 });
    const frame = encodeFrame(new Uint8Array(5000).fill(7), 10_000);
    a.send(frame.subarray(0, 2500));
    await new Promise((r) => setTimeout(r, 20));
    expect(b.readStatus).toBe('paused');
    a.send(frame.subarray(2500));
    await new Promise((r) => setTimeout(r, 20));
    const read = reader.read(10_000, { signal: AbortSignal.timeout(2_000) });
    await expect(read).resolves.toEqual(new Uint8Array(5000).fill(7));
    reader.release();
    await a.close();
  });

  it('computes varint lengths', () => {
    expect([0, 127, 128, 16383, 16384, 2 ** 32 - 1].map(varintLength)).toEqual([1, 1, 2, 2, 3, 5]);
  });
});
