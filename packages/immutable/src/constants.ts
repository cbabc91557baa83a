/** Defaults of `@tessera/immutable`. */
export { DEFAULT_MAX_SEGMENT_SIZE, LIT_THRESHOLD } from '@tessera/caps';

/** Tahoe's default encoding: 3-of-10 (spec §2.1). */
export const DEFAULT_NEEDED_SHARES = 3;
export const DEFAULT_TOTAL_SHARES = 10;

/** Read size for streaming sources. */
export const READ_CHUNK_SIZE = 1024 * 1024;
