/**
 * Domain errors of `@tessera/protocol` and the closed list of wire error codes (STYLE §4).
 *
 * Only `{ code, message }` travels on the wire. A code a receiver does not know becomes
 * `PROTOCOL_UNKNOWN_REMOTE_ERROR`; a handler error without a declared code becomes
 * `PROTOCOL_INTERNAL_ERROR` with a generic message, so no stack or internal detail leaks.
 * @packageDocumentation
 */
import { MAX_ERROR_CODE_LENGTH, MAX_ERROR_MESSAGE_LENGTH } from './constants.ts';

/** Codes that may travel in an error frame from any Tessera service (docs/PROTOCOL.md §6). */
export const PROTOCOL_WIRE_ERROR_CODES = [
  'PROTOCOL_INVALID_MESSAGE',
  'PROTOCOL_FRAME_TOO_LARGE',
  'PROTOCOL_UNKNOWN_MESSAGE_TYPE',
  'PROTOCOL_INCOMPATIBLE_VERSION',
  'PROTOCOL_READ_TIMEOUT',
  'PROTOCOL_HANDLER_TIMEOUT',
  'PROTOCOL_SHUTTING_DOWN',
  'PROTOCOL_INTERNAL_ERROR',
] as const;

const WIRE_CODES: ReadonlySet<string> = new Set(PROTOCOL_WIRE_ERROR_CODES);

/** A code from {@link PROTOCOL_WIRE_ERROR_CODES}. */
export type ProtocolWireErrorCode = (typeof PROTOCOL_WIRE_ERROR_CODES)[number];

/** Codes this package throws locally; they never travel on the wire. */
export type ProtocolLocalErrorCode =
  | 'PROTOCOL_UNKNOWN_REMOTE_ERROR'
  | 'PROTOCOL_REQUEST_TIMEOUT'
  | 'PROTOCOL_VERSION_TIMEOUT'
  | 'PROTOCOL_CONNECTION_LOST'
  | 'PROTOCOL_ABORTED'
  | 'PROTOCOL_DIAL_FAILED'
  | 'PROTOCOL_INVALID_NODE_KEY'
  | 'PROTOCOL_SUBSCRIBER_TOO_SLOW';

/** Every code of this package. */
export type ProtocolErrorCode = ProtocolWireErrorCode | ProtocolLocalErrorCode;

/** Base class: an error with a `PROTOCOL_` code. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** A decoded frame (or an outgoing value) that is not the message its type says it is. */
export class InvalidMessageError extends ProtocolError {
  /** Where in the message the problem is, e.g. `body.shares[2]`. */
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super('PROTOCOL_INVALID_MESSAGE', message, options);
    this.name = 'InvalidMessageError';
    this.path = path;
  }
}

/** A frame whose announced length exceeds the cap of its message type. */
export class FrameTooLargeError extends ProtocolError {
  readonly length: number;
  readonly maxBytes: number;
  constructor(length: number, maxBytes: number, what = 'frame') {
    super(
      'PROTOCOL_FRAME_TOO_LARGE',
      `Cannot accept ${what}: ${length} bytes exceeds the cap of ${maxBytes}`,
    );
    this.name = 'FrameTooLargeError';
    this.length = length;
    this.maxBytes = maxBytes;
  }
}

/** A message type the service does not define, or one without a handler. */
export class UnknownMessageTypeError extends ProtocolError {
  readonly type: string;
  constructor(type: string, service: string) {
    super(
      'PROTOCOL_UNKNOWN_MESSAGE_TYPE',
      `Cannot handle message: "${type}" is not a message of "${service}"`,
    );
    this.name = 'UnknownMessageTypeError';
    this.type = type;
  }
}

/** The peer speaks a protocol major version this code does not. */
export class IncompatibleVersionError extends ProtocolError {
  readonly local: string;
  readonly remote: string;
  constructor(local: string, remote: string) {
    super(
      'PROTOCOL_INCOMPATIBLE_VERSION',
      `Cannot talk to peer: it speaks Tessera protocol "${remote}", this node speaks "${local}" (major versions differ)`,
    );
    this.name = 'IncompatibleVersionError';
    this.local = local;
    this.remote = remote;
  }
}

/** A request got no complete reply within its deadline. */
export class RequestTimeoutError extends ProtocolError {
  readonly type: string;
  readonly timeoutMs: number;
  constructor(type: string, timeoutMs: number) {
    super(
      'PROTOCOL_REQUEST_TIMEOUT',
      `Cannot complete request "${type}": no reply within ${timeoutMs} ms`,
    );
    this.name = 'RequestTimeoutError';
    this.type = type;
    this.timeoutMs = timeoutMs;
  }
}

/** A peer did not deliver a whole request within the server's read deadline. */
export class ReadTimeoutError extends ProtocolError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('PROTOCOL_READ_TIMEOUT', `Cannot read request: not received within ${timeoutMs} ms`);
    this.name = 'ReadTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** A handler did not produce its reply within the server's deadline. */
export class HandlerTimeoutError extends ProtocolError {
  readonly type: string;
  readonly timeoutMs: number;
  constructor(type: string, timeoutMs: number) {
    super(
      'PROTOCOL_HANDLER_TIMEOUT',
      `Cannot answer "${type}": handler took longer than ${timeoutMs} ms`,
    );
    this.name = 'HandlerTimeoutError';
    this.type = type;
    this.timeoutMs = timeoutMs;
  }
}

/** The version exchange did not complete within its deadline. */
export class VersionTimeoutError extends ProtocolError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('PROTOCOL_VERSION_TIMEOUT', `Cannot exchange versions: no answer within ${timeoutMs} ms`);
    this.name = 'VersionTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The stream or connection closed or reset before the exchange completed. */
export class ConnectionLostError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROTOCOL_CONNECTION_LOST', message, options);
    this.name = 'ConnectionLostError';
  }
}

/** The caller's signal aborted the operation; `cause` is the signal's reason. */
export class AbortedError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROTOCOL_ABORTED', message, options);
    this.name = 'AbortedError';
  }
}

/** No connection to the peer could be opened; `cause` is libp2p's error. */
export class DialFailedError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROTOCOL_DIAL_FAILED', message, options);
    this.name = 'DialFailedError';
  }
}

/** A node key file that cannot be used. */
export class InvalidNodeKeyError extends ProtocolError {
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super('PROTOCOL_INVALID_NODE_KEY', message, options);
    this.name = 'InvalidNodeKeyError';
    this.path = path;
  }
}

/** A subscriber fell too far behind; the server dropped its subscription. */
export class SubscriberTooSlowError extends ProtocolError {
  readonly queued: number;
  constructor(queued: number) {
    super(
      'PROTOCOL_SUBSCRIBER_TOO_SLOW',
      `Cannot notify subscriber: ${queued} notifications queued`,
    );
    this.name = 'SubscriberTooSlowError';
    this.queued = queued;
  }
}

/**
 * An error frame received from a peer. `code` is the peer's code when this side knows it (the
 * protocol's wire codes and the service's declared codes), otherwise
 * `PROTOCOL_UNKNOWN_REMOTE_ERROR` with the peer's code in `remoteCode`.
 */
export class RemoteError extends Error {
  readonly code: string;
  readonly remoteCode: string;
  constructor(code: string, remoteCode: string, message: string) {
    super(message);
    this.name = 'RemoteError';
    this.code = code;
    this.remoteCode = remoteCode;
  }
}

/**
 * An error a handler throws to send a specific wire code; the code must be one of the service's
 * declared codes or a protocol wire code, else the peer sees `PROTOCOL_INTERNAL_ERROR`.
 * @example
 * ```ts
 * throw new WireError('STORAGE_SHARE_NOT_FOUND', `Cannot read share 3: not stored`);
 * ```
 */
export class WireError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'WireError';
    this.code = code;
  }
}

/** What an error frame carries. */
export interface WireErrorBody {
  code: string;
  message: string;
}

const WIRE_CODE = /^[A-Z][A-Z0-9_]*$/;

/** True when `code` has the shape of a wire error code (`SCREAMING_SNAKE`, at most 64). */
export function isWireErrorCode(code: string): boolean {
  return code.length <= MAX_ERROR_CODE_LENGTH && WIRE_CODE.test(code);
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_LENGTH
    ? message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1) + '…'
    : message;
}

/**
 * The `{ code, message }` to send for `err`: its own code and message when `err` carries a code
 * in `allowed` or in the protocol's wire codes, else `PROTOCOL_INTERNAL_ERROR`.
 */
export function toWireError(err: unknown, allowed: ReadonlySet<string>): WireErrorBody {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
    const code = err.code;
    if (allowed.has(code) || WIRE_CODES.has(code)) {
      return { code, message: truncate(err.message) };
    }
  }
  return { code: 'PROTOCOL_INTERNAL_ERROR', message: 'Cannot answer request: internal error' };
}

/** The local error for a received error frame (see {@link RemoteError}). */
export function fromWireError(body: WireErrorBody, known: ReadonlySet<string>): RemoteError {
  const message = truncate(body.message);
  if (known.has(body.code) || WIRE_CODES.has(body.code)) {
    return new RemoteError(body.code, body.code, message);
  }
  return new RemoteError('PROTOCOL_UNKNOWN_REMOTE_ERROR', body.code, message);
}
