/** Defaults, limits and on-disk constants of the share store. */

/** Tahoe §3.2/§3.3: leases last 31 days. */
export const DEFAULT_LEASE_DURATION_SECONDS = 31 * 24 * 60 * 60;

/** How long an unclosed upload survives without a write before a sweep deletes it. */
export const DEFAULT_INCOMING_GRACE_SECONDS = 600;

/** How often the store sweeps abandoned uploads on its own (0 turns the timer off). */
export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;

/** Default maximum size of one share (data bytes, immutable or mutable): 1 TiB. */
export const DEFAULT_MAX_SHARE_SIZE = 2 ** 40;

/** Storage indexes are 16 bytes (Tahoe §2.4). */
export const STORAGE_INDEX_LENGTH = 16;

/** Share numbers are 0..255 (Tahoe §3.2). */
export const MAX_SHARE_NUMBER = 255;

/** Lease renew and cancel secrets are 32 bytes (GBS §3.5). */
export const LEASE_SECRET_LENGTH = 32;

/** Mutable write enablers are 32 bytes. */
export const WRITE_ENABLER_LENGTH = 32;

/** Upload secrets are opaque; Tahoe sends 20 bytes, so accept 16..64. */
export const MIN_UPLOAD_SECRET_LENGTH = 16;
export const MAX_UPLOAD_SECRET_LENGTH = 64;

/** At most this many ranges in one read vector, test vector or write vector. */
export const MAX_VECTOR_LENGTH = 1024;

/** At most this many bytes returned by one read call (all ranges together). */
export const MAX_READ_SIZE = 64 * 1024 * 1024;

/** Longest client id accepted (quota accounting key; a libp2p peer id is ~52 chars). */
export const MAX_CLIENT_ID_LENGTH = 256;

/** GBS §3.5: corruption reasons are 1..32765 characters. */
export const MAX_ADVISORY_REASON_LENGTH = 32765;

/**
 * Unclosed uploads that keep their container open between writes (one open and close per write
 * cost ~9% of a server's time under an upload); past this many, a write opens and closes it.
 */
export const MAX_OPEN_BUCKET_FILES = 256;

/** A dirty upload's written-range sidecar is persisted at most this long after a write. */
export const SIDECAR_FLUSH_DELAY_MS = 250;

/** The lease journal is compacted into a snapshot once it holds this many lines... */
export const JOURNAL_COMPACT_MIN_LINES = 10_000;

/** ...and more lines than this many times the number of indexed shares. */
export const JOURNAL_COMPACT_RATIO = 2;

/** Tahoe §3.1 immutable container: version 2 (hashed lease secrets), 12-byte header. */
export const IMMUTABLE_CONTAINER_VERSION = 2;
export const IMMUTABLE_HEADER_SIZE = 12;
/** Size of one lease record in a Tahoe immutable container (read only, never written). */
export const IMMUTABLE_LEASE_SIZE = 72;

/** Tahoe §3.1 mutable container: data starts at 468. */
export const MUTABLE_HEADER_SIZE = 468;
export const MUTABLE_MAGIC_V1 = Uint8Array.of(
  ...new TextEncoder().encode('Tahoe mutable container v1\n'),
  0x75,
  0x09,
  0x44,
  0x03,
  0x8e,
);
export const MUTABLE_MAGIC_V2 = Uint8Array.of(
  ...new TextEncoder().encode('Tahoe mutable container v2\n'),
  0xc3,
  0x55,
  0x21,
  0x99,
  0x25,
);
