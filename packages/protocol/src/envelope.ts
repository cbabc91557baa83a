/**
 * Sending and receiving whole messages (a header frame and, for most kinds, a body frame).
 * @packageDocumentation
 */
import type { MessageStream } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { MAX_HEADER_BYTES } from './constants.ts';
import { FrameTooLargeError } from './errors.ts';
import { encodeValue, encodeValueParts, frameList, writeBytes } from './framing.ts';
import type { FrameReader } from './framing.ts';
import { validateHeader } from './messages.ts';
import type { Header } from './messages.ts';

/**
 * The bytes of one message: the header frame, then the body frame when `body` is given. The
 * encoded values are not copied into one buffer, nor large byte strings of the body into its
 * encoding (see {@link encodeValueParts}): the result lists the length prefixes and the parts,
 * ready for one `stream.send`. The bytes are those of {@link frameBytes} of the encoded values.
 * @throws {FrameTooLargeError} when the body's encoding exceeds `maxBodyBytes`
 */
export function encodeMessage(
  header: Header,
  body?: { value: unknown; maxBytes: number },
): Uint8ArrayList {
  const headerBytes = encodeValue(header);
  if (headerBytes.length > MAX_HEADER_BYTES) {
    throw new FrameTooLargeError(headerBytes.length, MAX_HEADER_BYTES, 'outgoing header');
  }
  if (body === undefined) return frameList([headerBytes]);
  const bodyParts = encodeValueParts(body.value);
  let bodyLength = 0;
  for (const part of bodyParts) bodyLength += part.length;
  if (bodyLength > body.maxBytes) {
    throw new FrameTooLargeError(bodyLength, body.maxBytes, 'outgoing message');
  }
  return frameList([headerBytes, bodyParts]);
}

/** Sends one message with backpressure (see {@link encodeMessage} and {@link writeBytes}). */
export async function sendMessage(
  stream: MessageStream,
  header: Header,
  body?: { value: unknown; maxBytes: number },
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await writeBytes(stream, encodeMessage(header, body), options);
}

/**
 * Reads and validates a header frame.
 * @throws the errors of {@link FrameReader.read} and of {@link validateHeader}
 */
export async function readHeader(
  reader: FrameReader,
  options: { signal?: AbortSignal } = {},
): Promise<Header> {
  return validateHeader(await reader.read(MAX_HEADER_BYTES, options));
}
