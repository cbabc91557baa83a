/** Defaults and fixed parameters of the client (spec §4). */

/**
 * An immutable upload considers the first `UPLOAD_CANDIDATES_PER_SHARE × N` servers of the
 * permuted ring as candidates (spec §4.3 step 1: "the first 2N servers").
 */
export const UPLOAD_CANDIDATES_PER_SHARE = 2;

/**
 * Deadline of one server-selection query (`get_buckets` or `allocate_buckets`) during an upload
 * (spec §4.3 steps 2 and 4). A writable server that misses it counts as read-only.
 */
export const UPLOAD_QUERY_TIMEOUT_MS = 15_000;

/** The most shares a file can be encoded into (zfec: 1 ≤ k ≤ N ≤ 256, spec §2.1). */
export const MAX_TOTAL_SHARES = 256;

/** Deadline of one "which shares do you hold" query during a download (spec §4.4: overdue after 10 s). */
export const DOWNLOAD_QUERY_TIMEOUT_MS = 10_000;
