/**
 * `@chainsafe/libp2p-noise` over a TCP connection that writes each batch with one syscall.
 *
 * The library sends each Noise message as a list of parts — its 2-byte length, the ciphertext
 * and (with {@link nodeNoiseCrypto}) the tag — and `@libp2p/tcp` writes every part with its own
 * `socket.write`: three syscalls per 64 KiB message, two of them of 2 and 16 bytes, which the
 * receiver then reads as separate TCP segments. A grid upload profile showed the client's
 * `writeBuffer` (the write syscall) at 27% of its CPU. This wrapper corks the socket while the
 * connection writes one batch, so Node hands the parts to the kernel in one `writev`: no copy,
 * no extra buffer. The bytes on the wire are the same.
 *
 * The patch touches one method of `@libp2p/tcp`'s connection (`sendData`, with its `socket`);
 * a connection of another shape (another transport, a later version) is left as it is.
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
  SecureConnectionOptions,
} from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';

/** The members of `@libp2p/tcp`'s connection the patch relies on. */
interface TcpConnectionInternals {
  socket: {
    cork(): void;
    uncork(): void;
    write(chunk: Uint8Array): boolean;
  };
  sendData(data: Uint8ArrayList): { sentBytes: number; canSendMore: boolean };
}

function isTcpConnection(connection: unknown): connection is TcpConnectionInternals {
  const c = connection as Partial<TcpConnectionInternals> | null;
  return (
    typeof c?.sendData === 'function' &&
    typeof c.socket?.cork === 'function' &&
    typeof c.socket.uncork === 'function' &&
    typeof c.socket.write === 'function'
  );
}

/**
 * Makes a TCP connection write each batch it is given with one `writev`: every part is queued
 * on the corked socket, then the socket is uncorked. Backpressure is as before: the answer says
 * whether the socket wants more. Returns false (and changes nothing) for another kind of stream.
 */
export function corkTcpWrites(connection: MessageStream): boolean {
  if (!isTcpConnection(connection)) return false;
  const socket = connection.socket;
  connection.sendData = (data) => {
    let canSendMore = true;
    socket.cork();
    try {
      for (const part of data) canSendMore = socket.write(part);
    } finally {
      socket.uncork();
    }
    return { sentBytes: data.byteLength, canSendMore };
  };
  return true;
}

/** `noise(init)`, with {@link corkTcpWrites} applied to every connection it secures. */
export function corkedNoise(
  init: NoiseInit = {},
): (components: NoiseComponents) => ConnectionEncrypter<NoiseExtensions> {
  const factory = noise(init);
  return (components) => {
    const inner = factory(components);
    // The prototype keeps the library's protocol name and service capabilities.
    const wrapped = Object.create(inner) as ConnectionEncrypter<NoiseExtensions>;
    wrapped.secureOutbound = (connection: MessageStream, options?: SecureConnectionOptions) => {
      corkTcpWrites(connection);
      return inner.secureOutbound(connection, options);
    };
    wrapped.secureInbound = (connection: MessageStream, options?: SecureConnectionOptions) => {
      corkTcpWrites(connection);
      return inner.secureInbound(connection, options);
    };
    return wrapped;
  };
}
