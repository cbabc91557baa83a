/**
 * Domain errors of `@tessera/storage-server`. Every input that comes from a client (and every
 * bad file found on disk) is refused with one of these; `code` is from the closed list
 * {@link STORAGE_ERROR_CODES}, which the protocol layer may send on the wire (STYLE §4).
 */
import { STORAGE_WIRE_ERROR_CODES } from '@tessera/protocol';

/**
 * The closed list of codes this package throws: every code the storage protocol may carry
 * (`STORAGE_WIRE_ERROR_CODES`, defined once in `@tessera/protocol`), plus three that stay inside
 * the server (the service maps them to protocol codes).
 */
export const STORAGE_ERROR_CODES = [
  ...STORAGE_WIRE_ERROR_CODES,
  'STORAGE_CORRUPT_INDEX',
  'STORAGE_NOT_STARTED',
  'STORAGE_ABORTED',
] as const;

/** Codes of every error this package throws. */
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/** A half-open byte range `[offset, offset + length)`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** Base class: an error with a package-prefixed code. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** True when `e` is a {@link StorageError} (optionally with the given code). */
export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

/** A storage index that is not exactly 16 bytes. */
export class InvalidStorageIndexError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_STORAGE_INDEX', message);
    this.name = 'InvalidStorageIndexError';
  }
}

/** A share number that is not an integer in 0..255. */
export class InvalidShareNumberError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_SHARE_NUMBER', message);
    this.name = 'InvalidShareNumberError';
  }
}

/** An offset or length that is negative, fractional or not a safe integer. */
export class InvalidRangeError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_RANGE', message);
    this.name = 'InvalidRangeError';
  }
}

/** A lease secret, upload secret or write enabler of the wrong type or length. */
export class InvalidSecretError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_SECRET', message);
    this.name = 'InvalidSecretError';
  }
}

/** Any other malformed request (wrong shape, too many vectors, reason too long). */
export class InvalidArgumentError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INVALID_ARGUMENT', message);
    this.name = 'InvalidArgumentError';
  }
}

/** A share larger than the configured maximum share size. */
export class ShareTooLargeError extends StorageError {
  readonly size: number;
  readonly maxShareSize: number;
  constructor(message: string, size: number, maxShareSize: number) {
    super('STORAGE_SHARE_TOO_LARGE', message);
    this.name = 'ShareTooLargeError';
    this.size = size;
    this.maxShareSize = maxShareSize;
  }
}

/** A read whose ranges add up to more than one call may return. */
export class ReadTooLargeError extends StorageError {
  readonly requested: number;
  readonly limit: number;
  constructor(message: string, requested: number, limit: number) {
    super('STORAGE_READ_TOO_LARGE', message);
    this.name = 'ReadTooLargeError';
    this.requested = requested;
    this.limit = limit;
  }
}

/** A bucket write that ends past the allocated size (Tahoe `DataTooLargeError`). */
export class WritePastEndError extends StorageError {
  readonly end: number;
  readonly allocatedSize: number;
  constructor(message: string, end: number, allocatedSize: number) {
    super('STORAGE_WRITE_PAST_END', message);
    this.name = 'WritePastEndError';
    this.end = end;
    this.allocatedSize = allocatedSize;
  }
}

/** A rewrite of already written bytes with different bytes (Tahoe `ConflictingWriteError`). */
export class ConflictingWriteError extends StorageError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('STORAGE_CONFLICTING_WRITE', message);
    this.name = 'ConflictingWriteError';
    this.offset = offset;
  }
}

/** A close before every byte of the allocated size was written. */
export class IncompleteShareError extends StorageError {
  readonly missing: ByteRange[];
  constructor(message: string, missing: ByteRange[]) {
    super('STORAGE_INCOMPLETE_SHARE', message);
    this.name = 'IncompleteShareError';
    this.missing = missing;
  }
}

/** No upload in progress for that share. */
export class NoSuchUploadError extends StorageError {
  constructor(message: string) {
    super('STORAGE_NO_SUCH_UPLOAD', message);
    this.name = 'NoSuchUploadError';
  }
}

/** An upload is in progress for that share, under another upload secret. */
export class BadUploadSecretError extends StorageError {
  constructor(message: string) {
    super('STORAGE_BAD_UPLOAD_SECRET', message);
    this.name = 'BadUploadSecretError';
  }
}

/** The server does not hold that share. */
export class NoSuchShareError extends StorageError {
  constructor(message: string) {
    super('STORAGE_NO_SUCH_SHARE', message);
    this.name = 'NoSuchShareError';
  }
}

/** An immutable operation on a mutable slot, or the reverse. */
export class WrongShareTypeError extends StorageError {
  constructor(message: string) {
    super('STORAGE_WRONG_SHARE_TYPE', message);
    this.name = 'WrongShareTypeError';
  }
}

/** No lease matches the presented secret. */
export class NoSuchLeaseError extends StorageError {
  constructor(message: string) {
    super('STORAGE_NO_SUCH_LEASE', message);
    this.name = 'NoSuchLeaseError';
  }
}

/** The write enabler does not match the one stored in the slot's shares. */
export class BadWriteEnablerError extends StorageError {
  readonly shareNum: number;
  constructor(message: string, shareNum: number) {
    super('STORAGE_BAD_WRITE_ENABLER', message);
    this.name = 'BadWriteEnablerError';
    this.shareNum = shareNum;
  }
}

/** The store is read-only. */
export class ReadOnlyError extends StorageError {
  constructor(message: string) {
    super('STORAGE_READ_ONLY', message);
    this.name = 'ReadOnlyError';
  }
}

/** The request would take a client past its quota. */
export class QuotaExceededError extends StorageError {
  readonly clientId: string;
  readonly used: number;
  readonly limit: number;
  readonly requested: number;
  constructor(clientId: string, used: number, limit: number, requested: number) {
    super(
      'STORAGE_QUOTA_EXCEEDED',
      `Cannot store ${requested} more bytes for client ${JSON.stringify(clientId)}: ${used} of ${limit} bytes used`,
    );
    this.name = 'QuotaExceededError';
    this.clientId = clientId;
    this.used = used;
    this.limit = limit;
    this.requested = requested;
  }
}

/** The write would eat into the reserved space. */
export class NoSpaceError extends StorageError {
  readonly needed: number;
  readonly available: number;
  constructor(message: string, needed: number, available: number) {
    super('STORAGE_NO_SPACE', message);
    this.name = 'NoSpaceError';
    this.needed = needed;
    this.available = available;
  }
}

/** A share file whose container header is impossible. */
export class CorruptContainerError extends StorageError {
  constructor(message: string) {
    super('STORAGE_CORRUPT_CONTAINER', message);
    this.name = 'CorruptContainerError';
  }
}

/** The lease index on disk cannot be loaded (a snapshot that is not complete). */
export class CorruptIndexError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super('STORAGE_CORRUPT_INDEX', message, options);
    this.name = 'CorruptIndexError';
  }
}

/** The store is not started, or is stopping. */
export class NotStartedError extends StorageError {
  constructor(message: string) {
    super('STORAGE_NOT_STARTED', message);
    this.name = 'NotStartedError';
  }
}

/** The caller's signal aborted the operation before it changed anything. */
export class AbortedError extends StorageError {
  constructor(message: string, options?: ErrorOptions) {
    super('STORAGE_ABORTED', message, options);
    this.name = 'AbortedError';
  }
}
