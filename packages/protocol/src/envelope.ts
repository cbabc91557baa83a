/**
 * Sending and receiving whole messages (a header frame and, for most kinds, a body frame).
 * @packageDocumentation
 */
import type { MessageStream } from '@libp2p/interface';
import { MAX_HEADER_BYTES } from './constants.ts';
import { FrameTooLargeError } from './errors.ts';
import { encodeValue, frameBytes, writeBytes } from './framing.ts';
import type { FrameReader } from './framing.ts';
import { validateHeader } from './messages.ts';
import type { Header } from './messages.ts';

/**
 * The bytes of one message: the header frame, then the body frame when `body` is given.
 * @throws {FrameTooLargeError} when the body's encoding exceeds `maxBodyBytes`
 */
export function encodeMessage(
  header: Header,
  body?: { value: unknown; maxBytes: number },
): Uint8Array {
  const headerBytes = encodeValue(header);
  if (headerBytes.length > MAX_HEADER_BYTES) {
    throw new FrameTooLargeError(headerBytes.length, MAX_HEADER_BYTES, 'outgoing header');
  }
  if (body === undefined) return frameBytes([headerBytes]);
  const bodyBytes = encodeValue(body.value);
  if (bodyBytes.length > body.maxBytes) {
    throw new FrameTooLargeError(bodyBytes.length, body.maxBytes, 'outgoing message');
  }
  return frameBytes([headerBytes, bodyBytes]);
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
