/**
 * How the share store's errors travel (STYLE §4): every {@link StorageErrorCode} maps to a code
 * of the storage protocol's closed list (`STORAGE_WIRE_ERROR_CODES` in `@tessera/protocol`) or to
 * a protocol code. Client-caused conditions keep their own code, so the client sees the same
 * `STORAGE_*` code the store threw; the store's internal conditions do not leak.
 */
import { WireError } from '@tessera/protocol';
import type { ProtocolWireErrorCode, StorageWireErrorCode } from '@tessera/protocol';
import { StorageError } from '../errors.ts';
import type { StorageErrorCode } from '../errors.ts';

/** The wire code of each store error code (the compiler checks that none is missing). */
export const STORAGE_WIRE_CODES: Readonly<
  Record<StorageErrorCode, StorageWireErrorCode | ProtocolWireErrorCode>
> = {
  STORAGE_INVALID_STORAGE_INDEX: 'STORAGE_INVALID_STORAGE_INDEX',
  STORAGE_INVALID_SHARE_NUMBER: 'STORAGE_INVALID_SHARE_NUMBER',
  STORAGE_INVALID_RANGE: 'STORAGE_INVALID_RANGE',
  STORAGE_INVALID_SECRET: 'STORAGE_INVALID_SECRET',
  STORAGE_INVALID_ARGUMENT: 'STORAGE_INVALID_ARGUMENT',
  STORAGE_SHARE_TOO_LARGE: 'STORAGE_SHARE_TOO_LARGE',
  STORAGE_READ_TOO_LARGE: 'STORAGE_READ_TOO_LARGE',
  STORAGE_WRITE_PAST_END: 'STORAGE_WRITE_PAST_END',
  STORAGE_CONFLICTING_WRITE: 'STORAGE_CONFLICTING_WRITE',
  STORAGE_INCOMPLETE_SHARE: 'STORAGE_INCOMPLETE_SHARE',
  STORAGE_NO_SUCH_UPLOAD: 'STORAGE_NO_SUCH_UPLOAD',
  STORAGE_BAD_UPLOAD_SECRET: 'STORAGE_BAD_UPLOAD_SECRET',
  STORAGE_NO_SUCH_SHARE: 'STORAGE_NO_SUCH_SHARE',
  STORAGE_WRONG_SHARE_TYPE: 'STORAGE_WRONG_SHARE_TYPE',
  STORAGE_NO_SUCH_LEASE: 'STORAGE_NO_SUCH_LEASE',
  STORAGE_BAD_WRITE_ENABLER: 'STORAGE_BAD_WRITE_ENABLER',
  STORAGE_READ_ONLY: 'STORAGE_READ_ONLY',
  STORAGE_QUOTA_EXCEEDED: 'STORAGE_QUOTA_EXCEEDED',
  STORAGE_NO_SPACE: 'STORAGE_NO_SPACE',
  STORAGE_CORRUPT_CONTAINER: 'STORAGE_CORRUPT_CONTAINER',
  // The lease index failed to load: the server's problem, not the client's.
  STORAGE_CORRUPT_INDEX: 'PROTOCOL_INTERNAL_ERROR',
  // The store refuses calls while it starts or stops, and calls whose request was abandoned.
  STORAGE_NOT_STARTED: 'PROTOCOL_SHUTTING_DOWN',
  STORAGE_ABORTED: 'PROTOCOL_SHUTTING_DOWN',
};

/**
 * The error a handler throws for `err`: a {@link WireError} with the mapped code for a
 * {@link StorageError}, `err` itself otherwise (the RPC layer sends protocol codes as they are
 * and anything else as `PROTOCOL_INTERNAL_ERROR`).
 */
export function storageErrorToWire(err: unknown): unknown {
  // A full disk is the client's concern too (it should try another server), not an internal error.
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new WireError('STORAGE_NO_SPACE', "Cannot store: the server's disk is full");
  }
  if (!(err instanceof StorageError)) return err;
  const code = STORAGE_WIRE_CODES[err.code];
  if (code === 'PROTOCOL_INTERNAL_ERROR') {
    return new WireError(code, 'Cannot answer request: internal error');
  }
  return new WireError(code, err.message);
}
