/**
 * `@chainsafe/libp2p-noise` with one socket write per batch of Noise messages.
 *
 * The library sends each Noise message as a list of parts — its 2-byte length, the ciphertext
 * and (with {@link nodeNoiseCrypto}) the tag — and `@libp2p/tcp` writes every part with its own
 * `socket.write`: three syscalls per 64 KiB message, two of them of 2 and 16 bytes, which the
 * receiver then reads as separate TCP segments. A grid upload profile showed the client's
 * `writeBuffer` (the write syscall) at 27% of its CPU. This wrapper changes only how the
 * encrypted connection hands its output to the transport: everything one `sendData` call
 * produced goes down as one contiguous buffer. The bytes on the wire are the same.
 *
 * The patch touches one method of the library's encrypted stream (`sendData`, built from its
 * `encrypt` and `stream` members); if a later version lacks them, the connection is left as the
 * library made it.
 * @packageDocumentation
 */
import {
  noise,
  type NoiseComponents,
  type NoiseExtensions,
  type NoiseInit,
} from '@chainsafe/libp2p-noise';
import type {
  ConnectionEncrypter,
  MessageStream,
  SecuredConnection,
  SecureConnectionOptions,
} from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';

/** The members of the library's EncryptedMessageStream the patch relies on. */
interface EncryptedStreamInternals {
  encrypt(data: Uint8Array | Uint8ArrayList): Uint8ArrayList;
  stream: { send(data: Uint8Array): boolean };
  sendData(data: Uint8ArrayList): { sentBytes: number; canSendMore: boolean };
}

function hasInternals(stream: unknown): stream is EncryptedStreamInternals {
  const s = stream as Partial<EncryptedStreamInternals> | null;
  return (
    typeof s?.encrypt === 'function' &&
    typeof s.sendData === 'function' &&
    typeof s.stream?.send === 'function'
  );
}

/**
 * Makes `connection` (the library's encrypted stream) pass each batch of Noise messages to the
 * transport as one buffer. Returns false when the stream does not have the expected shape.
 */
export function coalesceNoiseWrites(connection: MessageStream): boolean {
  if (!hasInternals(connection)) return false;
  const s = connection;
  s.sendData = (data) => {
    const messages = s.encrypt(data);
    // One part is sent as is; several are joined (one copy, one write instead of many).
    return { sentBytes: data.byteLength, canSendMore: s.stream.send(messages.subarray()) };
  };
  return true;
}

/** `noise(init)`, with {@link coalesceNoiseWrites} applied to every connection it secures. */
export function coalescedNoise(
  init: NoiseInit = {},
): (components: NoiseComponents) => ConnectionEncrypter<NoiseExtensions> {
  const factory = noise(init);
  return (components) => {
    const inner = factory(components);
    const patch = (
      secured: SecuredConnection<NoiseExtensions>,
    ): SecuredConnection<NoiseExtensions> => {
      coalesceNoiseWrites(secured.connection);
      return secured;
    };
    // The prototype keeps the library's protocol name and service capabilities.
    const wrapped = Object.create(inner) as ConnectionEncrypter<NoiseExtensions>;
    wrapped.secureOutbound = async (connection: MessageStream, options?: SecureConnectionOptions) =>
      patch(await inner.secureOutbound(connection, options));
    wrapped.secureInbound = async (connection: MessageStream, options?: SecureConnectionOptions) =>
      patch(await inner.secureInbound(connection, options));
    return wrapped;
  };
}
