/**
 * Limits, feature names and wire error codes of the storage protocol (`/tessera/storage/1.0.0`,
 * docs/PROTOCOL.md "Storage protocol"). Both sides check the same numbers: the client before it
 * sends, the server when it decodes.
 * @packageDocumentation
 */

/** Storage indexes are 16 bytes (Tahoe §2.4). */
export const STORAGE_INDEX_BYTES = 16;

/** Lease renew and cancel secrets, upload secrets and write enablers are 32 bytes. */
export const STORAGE_SECRET_BYTES = 32;

/** Share numbers are 0..255 (Tahoe §3.2). */
export const MAX_SHARE_NUM = 255;

/** Most share numbers in one request (every share number, once). */
export const MAX_SHARES_PER_REQUEST = 256;

/** Most data bytes in one `write` (one frame); the client splits larger writes. */
export const MAX_WRITE_DATA_BYTES = 4 * 1024 * 1024;

/** Most ranges in one `read` or `slot-read`. */
export const MAX_READ_RANGES = 64;

/** Most bytes one `read` or `slot-read` may return, all ranges (and shares) together. */
export const MAX_READ_TOTAL_BYTES = 8 * 1024 * 1024;

/** Most ranges `written-ranges` (or a `write` with `reportMissing`) lists in each list. */
export const MAX_REPORTED_RANGES = 4096;

/** Most test vectors, and most write vectors, for one share in `slot-test-and-write`. */
export const MAX_SLOT_VECTORS_PER_SHARE = 64;

/** Most bytes of all test specimens of one `slot-test-and-write`. */
export const MAX_SLOT_TEST_BYTES = 1024 * 1024;

/** Most bytes of all write vectors of one `slot-test-and-write`. */
export const MAX_SLOT_WRITE_BYTES = 16 * 1024 * 1024;

/**
 * Most bytes the read vector of one `slot-test-and-write` may ask of each share. It reads a
 * checkstring or a prefix; 256 shares of it must fit the reply cap.
 */
export const MAX_SLOT_READ_VECTOR_BYTES = 64 * 1024;

/** Most storage indexes one slot subscription watches. */
export const MAX_SUBSCRIBED_SLOTS = 1024;

/** Longest corruption report, UTF-8 bytes. */
export const MAX_ADVISORY_REASON_BYTES = 1024;

/** Room for everything in a body besides its bulk bytes (keys, numbers, secrets), bytes. */
export const STORAGE_BODY_OVERHEAD_BYTES = 64 * 1024;

/** Feature names a storage server may list in its version info. */
export const STORAGE_FEATURES = {
  /** `written-ranges`, and `allocate-buckets` reopening an upload under the same secret. */
  resumeUpload: 'resume-upload',
  /** `cancel-lease` (Tahoe has no lease cancellation). */
  cancelLease: 'cancel-lease',
  /** Slot subscriptions with `slot-changed` notifications. */
  slotNotify: 'slot-notify',
} as const;

/** A feature of {@link STORAGE_FEATURES}. */
export type StorageFeature = (typeof STORAGE_FEATURES)[keyof typeof STORAGE_FEATURES];

/**
 * Codes a storage server may send in an error frame, besides the protocol's own
 * (`PROTOCOL_WIRE_ERROR_CODES`). Each is the code of the server's `StorageError` of the same
 * name (docs/PROTOCOL.md "Storage protocol" lists when each is sent).
 */
export const STORAGE_WIRE_ERROR_CODES = [
  'STORAGE_INVALID_STORAGE_INDEX',
  'STORAGE_INVALID_SHARE_NUMBER',
  'STORAGE_INVALID_RANGE',
  'STORAGE_INVALID_SECRET',
  'STORAGE_INVALID_ARGUMENT',
  'STORAGE_SHARE_TOO_LARGE',
  'STORAGE_READ_TOO_LARGE',
  'STORAGE_WRITE_PAST_END',
  'STORAGE_CONFLICTING_WRITE',
  'STORAGE_INCOMPLETE_SHARE',
  'STORAGE_NO_SUCH_UPLOAD',
  'STORAGE_BAD_UPLOAD_SECRET',
  'STORAGE_NO_SUCH_SHARE',
  'STORAGE_WRONG_SHARE_TYPE',
  'STORAGE_NO_SUCH_LEASE',
  'STORAGE_BAD_WRITE_ENABLER',
  'STORAGE_READ_ONLY',
  'STORAGE_QUOTA_EXCEEDED',
  'STORAGE_NO_SPACE',
  'STORAGE_CORRUPT_CONTAINER',
] as const;

/** A code of {@link STORAGE_WIRE_ERROR_CODES}. */
export type StorageWireErrorCode = (typeof STORAGE_WIRE_ERROR_CODES)[number];
