import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTACH_PROTOCOL_VERSION,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  FrameDecoder,
  FrameType,
} from '../src/attach-protocol.ts';
import { AttachProtocolError } from '../src/errors.ts';

/** Feeds `chunks` to a decoder; returns the frames, or the error it threw. */
function feed(from: 'cli' | 'node', chunks: Uint8Array[]): { frames: number; error?: unknown } {
  const d = new FrameDecoder(from);
  let frames = 0;
  try {
    for (const c of chunks) {
      for (const f of d.push(c)) {
        frames++;
        if (f.type === FrameType.HEADER) {
          try {
            decodeHeader(f.payload);
          } catch (err) {
            return { frames, error: err };
          }
        }
      }
    }
  } catch (err) {
    return { frames, error: err };
  }
  return { frames };
}

/** Bytes that often look like frames: a valid type byte and a small length, then junk. */
const frameLike = fc
  .tuple(
    fc.constantFrom(...Object.values(FrameType), 0, 5, 99, 255),
    fc.nat({ max: 64 }),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([type, length, payload]) => {
    const b = Buffer.alloc(5 + payload.length);
    b[0] = type;
    b.writeUInt32BE(length, 1);
    b.set(payload, 5);
    return new Uint8Array(b);
  });

describe('attach decoder on random bytes', () => {
  it('throws only AttachProtocolError, on either side, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'cli' | 'node'>('cli', 'node'),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), frameLike), { maxLength: 12 }),
        (from, chunks) => {
          const { error } = feed(from, chunks);
          if (error !== undefined) {
            expect(error).toBeInstanceOf(AttachProtocolError);
            expect((error as AttachProtocolError).code).toBe('CLI_ATTACH_PROTOCOL');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes headers of any JSON shape only to a valid header or AttachProtocolError', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            version: fc.oneof(fc.constant(ATTACH_PROTOCOL_VERSION), fc.jsonValue()),
            argv: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
            cwd: fc.oneof(fc.constantFrom('/', '/a/b', 'rel'), fc.jsonValue()),
            stdoutIsTTY: fc.oneof(fc.boolean(), fc.jsonValue()),
            stderrIsTTY: fc.oneof(fc.boolean(), fc.jsonValue()),
            columns: fc.oneof(fc.constant(null), fc.integer(), fc.jsonValue()),
            env: fc.oneof(
              fc.dictionary(fc.constantFrom('HOME', 'TESSERA_NODE_DIR', 'PATH'), fc.string()),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: [] },
        ),
        (value) => {
          const payload = Buffer.from(JSON.stringify(value));
          try {
            const h = decodeHeader(payload);
            expect(h.version).toBe(ATTACH_PROTOCOL_VERSION);
            expect(h.argv.every((a) => typeof a === 'string')).toBe(true);
            expect(h.cwd.startsWith('/')).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(AttachProtocolError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips any header and stream of frames, cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 8 }),
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 6 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 6 }),
        (argv, stdin, cuts) => {
          const bytes = Buffer.concat([
            encodeHeader({
              version: ATTACH_PROTOCOL_VERSION,
              argv: argv.map((a) => a.replace(/\0/g, '')),
              cwd: '/',
              stdoutIsTTY: false,
              stderrIsTTY: false,
              columns: null,
              env: {},
            }),
            ...stdin.map((c) => encodeFrame(FrameType.STDIN, c)),
            encodeFrame(FrameType.STDIN_END),
          ]);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const d = new FrameDecoder('cli');
          const frames = chunks.flatMap((c) => d.push(c));
          expect(frames).toHaveLength(stdin.length + 2);
          expect(decodeHeader(frames[0].payload).argv).toEqual(
            argv.map((a) => a.replace(/\0/g, '')),
          );
          stdin.forEach((c, i) => expect(new Uint8Array(frames[i + 1].payload)).toEqual(c));
        },
      ),
    );
  });
});
