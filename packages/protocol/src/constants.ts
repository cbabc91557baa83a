/**
 * Defaults and limits of the Tessera wire protocol. Every named timeout has its own error code
 * (see `errors.ts`); every frame has a size cap (STYLE §5).
 * @packageDocumentation
 */

/**
 * The Tessera protocol version this code speaks, `MAJOR.MINOR`, sent in the version exchange.
 * Peers with a different major version are refused (`PROTOCOL_INCOMPATIBLE_VERSION`); a
 * higher minor only adds optional fields, features and message types.
 */
export const PROTOCOL_VERSION = '1.2';

/** Cap of a header frame (the envelope before a body frame), bytes. */
export const MAX_HEADER_BYTES = 2048;

/** Largest `maxBytes` a message type may declare, bytes (64 MiB). */
export const MAX_MESSAGE_BYTES_LIMIT = 64 * 1024 * 1024;

/** Longest message type name, characters. */
export const MAX_TYPE_NAME_LENGTH = 64;

/** Longest error message that travels on the wire, characters; longer ones are cut. */
export const MAX_ERROR_MESSAGE_LENGTH = 512;

/** Longest wire error code, characters. */
export const MAX_ERROR_CODE_LENGTH = 64;

/** Default client deadline for one request, from opening the stream to the decoded reply. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Default server deadline for a handler to produce its reply. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 60_000;

/** Default server deadline for a peer to deliver a whole request (header and body) on a stream. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** Default deadline of the version exchange. */
export const DEFAULT_VERSION_TIMEOUT_MS = 10_000;

/**
 * Default concurrent inbound streams per connection for one protocol: sessions (one per
 * client) and subscriptions (libp2p's default).
 */
export const DEFAULT_MAX_INBOUND_STREAMS = 32;

/** Default concurrent outbound streams per connection for one protocol (libp2p's default). */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64;

/**
 * Default requests one client runs at once on its session, and handlers a server runs at once
 * per session; more wait their turn (docs/adr/0002-rpc-over-streams.md).
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

/** Notifications a server queues for one subscriber before it drops that subscriber. */
export const DEFAULT_MAX_QUEUED_NOTIFICATIONS = 256;

/**
 * A frame reader pauses its stream (so yamux stops granting window) once this many bytes are
 * buffered beyond the frame it is waiting for.
 */
export const DEFAULT_READ_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Initial yamux receive window per stream, bytes. The spec minimum is 256 KiB; a larger start
 * lets one bulk stream reach full speed without waiting for the window to grow
 * (`scripts/bench/net.mjs`, docs/adr/0002-rpc-over-streams.md).
 */
export const YAMUX_INITIAL_STREAM_WINDOW_BYTES = 4 * 1024 * 1024;

/** Largest yamux receive window per stream, bytes (the yamux default). */
export const YAMUX_MAX_STREAM_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Bytes a paused stream may hold before yamux resets it. A paused reader stops granting window,
 * but the peer may still send what was granted (up to the maximum window), so this must be at
 * least `YAMUX_MAX_STREAM_WINDOW_BYTES`.
 */
export const YAMUX_MAX_READ_BUFFER_BYTES = 2 * YAMUX_MAX_STREAM_WINDOW_BYTES;

/** File mode of a persisted node key. */
export const NODE_KEY_FILE_MODE = 0o600;

/**
 * Cap of the body of a notification type the client does not know (sent by a newer minor
 * version); such notifications are read and skipped.
 */
export const MAX_UNKNOWN_NOTIFICATION_BYTES = 1024 * 1024;

/** New inbound connections accepted per second from one host (libp2p's default is 5). */
export const DEFAULT_INBOUND_CONNECTIONS_PER_SECOND = 100;

/**
 * Idle time after which the kernel starts TCP keep-alive probes on a connection, ms (then one a
 * second, ten in all: libuv's settings). This is what finds a peer whose machine vanished: a
 * minute and ten seconds after the last traffic, at no cost to the processes, which an
 * application-level ping is not (below).
 */
export const TCP_KEEPALIVE_IDLE_MS = 60_000;

/**
 * How often libp2p's connection monitor pings each connection (libp2p's default is 10 s). Each
 * ping opens a stream (yamux, multistream-select, Noise both ways) from each end, and on this
 * project's VMs wakes cold code: once a minute it was a third of an idle grid's CPU (0.02 of a
 * core for 12 processes). The kernel's keep-alives find vanished machines
 * ({@link TCP_KEEPALIVE_IDLE_MS}); this ping only still finds a peer process that hangs with its
 * connections open, which the requests' own deadlines already guard against. yamux's keep-alive
 * pings are off: they only measured round trips (a missing answer closes nothing).
 */
export const CONNECTION_PING_INTERVAL_MS = 10 * 60_000;
