/**
 * Defaults of the introducer, the announcer and the server directory. Every duration is
 * configurable per instance, so tests can shrink them.
 * @packageDocumentation
 */

/**
 * Domain tag at the start of every signed announcement layout (docs/adr/0003). It keeps an
 * announcement signature from ever being valid for another use of the node key (Noise's
 * handshake payload, libp2p signed envelopes), whose signed bytes start differently.
 */
export const ANNOUNCEMENT_SIGNATURE_DOMAIN = 'tessera-introducer-announcement-v1';

/**
 * How long an announcement stays valid after its `issuedAt`, ms (7 days). The introducer and
 * every server directory drop it afterwards; announcers re-sign well before
 * ({@link DEFAULT_REFRESH_INTERVAL_MS}), so only servers that went away expire.
 */
export const DEFAULT_ANNOUNCEMENT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How far in the future an announcement's `issuedAt` may be, ms (1 day). Only the server's own
 * key can sign its announcements, so this guards against a badly set clock, not an attacker.
 */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** How often an announcer re-signs (new seqnum, fresh `issuedAt` and space) and re-publishes, ms. */
export const DEFAULT_REFRESH_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** First delay before retrying an unreachable introducer, ms. */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 1_000;

/** Longest delay between retries of an unreachable introducer, ms (the backoff's bound). */
export const DEFAULT_RETRY_MAX_DELAY_MS = 60_000;

/** Deadline of one `publish` or subscribe call to an introducer, ms. */
export const DEFAULT_INTRODUCER_CALL_TIMEOUT_MS = 20_000;

/** Default deadline of `ServerDirectory.ready()`, ms (`INTRODUCER_NOT_ENOUGH_SERVERS`). */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

/** Most announcements an introducer keeps (`INTRODUCER_FULL` beyond). */
export const DEFAULT_MAX_ANNOUNCEMENTS = 10_000;

/** Queue per subscriber on the introducer, notifications; a snapshot of 10 000 takes 157. */
export const INTRODUCER_MAX_QUEUED_NOTIFICATIONS = 1_024;

/** Largest server cache file a directory reads, bytes. */
export const MAX_SERVER_CACHE_BYTES = 64 * 1024 * 1024;

/** Largest seqnum file an announcer reads, bytes. */
export const MAX_SEQNUM_FILE_BYTES = 64;

/** Recommended name of the announcer's seqnum file in a node directory (as Tahoe's). */
export const SEQNUM_FILE = 'announcement-seqnum';

/** Recommended name of the server directory's cache file, under the node's `private/`. */
export const SERVER_CACHE_FILE = 'introducer-cache.json';

/** Version of the server cache file format. */
export const SERVER_CACHE_VERSION = 1;

/** The software version nodes announce unless told otherwise. */
export const DEFAULT_SOFTWARE_VERSION = 'tessera/0.1.0';

/** Tahoe's default encoding (spec §2.1): 3 of 10, happy 7. */
export const DEFAULT_ENCODING = Object.freeze({ sharesNeeded: 3, sharesHappy: 7, sharesTotal: 10 });
