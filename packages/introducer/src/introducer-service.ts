/**
 * The introducer (spec §7): servers `publish` signed announcements; subscribers get the
 * recommended encoding, every current announcement, then each new or changed one as it comes.
 *
 * State lives in memory only. A restart loses nothing that matters: announcers re-publish when
 * their connection drops, and clients keep what they verified. An announcement stays after its
 * server disconnects, until a higher seqnum replaces it or it expires (`issuedAt + ttlMs`,
 * 7 days by default; announcers re-sign daily), as docs/adr/0003 explains.
 * @packageDocumentation
 */
import type { Startable } from '@libp2p/interface';
import {
  MAX_ANNOUNCEMENTS_PER_NOTIFICATION,
  RpcServer,
  introducerServiceDefinition,
  validateRecommendedEncoding,
} from '@tessera/protocol';
import type {
  IntroducerMessages,
  IntroducerSubscribe,
  PublishReply,
  RecommendedEncoding,
  RequestContext,
  RpcNode,
  ServerSubscription,
  SignedAnnouncement,
} from '@tessera/protocol';
import { verifyAnnouncement } from './announcement.ts';
import { AnnouncementTable } from './announcement-table.ts';
import {
  DEFAULT_ANNOUNCEMENT_TTL_MS,
  DEFAULT_MAX_ANNOUNCEMENTS,
  INTRODUCER_MAX_QUEUED_NOTIFICATIONS,
  MAX_CLOCK_SKEW_MS,
} from './constants.ts';
import { errorText, silentLogger } from './logger.ts';
import type { IntroducerLogger } from './logger.ts';

/** Options of {@link introducerService}. */
export interface IntroducerServiceInit {
  /** The encoding recommended to clients (each field optional). */
  encoding?: RecommendedEncoding;
  /** Lifetime of an announcement after its `issuedAt`, ms (default 7 days). */
  ttlMs?: number;
  /** How far in the future `issuedAt` may be, ms (default 1 day). */
  maxClockSkewMs?: number;
  /** Most announcements kept (default 10 000; `INTRODUCER_FULL` beyond). */
  maxAnnouncements?: number;
  /** How often expired announcements are dropped, ms (default a tenth of the TTL, at most 1 h). */
  sweepIntervalMs?: number;
  logger?: IntroducerLogger;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
}

/** The introducer service on a libp2p node. Startable. */
export class IntroducerService implements Startable {
  readonly #server: RpcServer<IntroducerMessages, IntroducerSubscribe>;
  readonly #table: AnnouncementTable;
  readonly #encoding: RecommendedEncoding | undefined;
  readonly #ttlMs: number;
  readonly #maxClockSkewMs: number;
  readonly #sweepIntervalMs: number;
  readonly #log: IntroducerLogger;
  readonly #now: () => number;
  // Subscribers are tracked here, from the moment their snapshot is taken, so no announcement
  // stored in between is missed (the RPC server adds them to its own set one tick later).
  readonly #subscribers = new Set<ServerSubscription<IntroducerMessages>>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  /** @throws {RangeError} for an impossible encoding or a non-positive duration */
  constructor(node: RpcNode, init: IntroducerServiceInit = {}) {
    if (init.encoding !== undefined) {
      try {
        this.#encoding = validateRecommendedEncoding(init.encoding);
      } catch (err) {
        throw new RangeError(`Cannot recommend encoding: ${errorText(err)}`, { cause: err });
      }
    }
    this.#ttlMs = init.ttlMs ?? DEFAULT_ANNOUNCEMENT_TTL_MS;
    this.#maxClockSkewMs = init.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS;
    if (!(this.#ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    this.#sweepIntervalMs =
      init.sweepIntervalMs ?? Math.min(Math.max(this.#ttlMs / 10, 1_000), 60 * 60 * 1000);
    if (!(this.#sweepIntervalMs > 0)) throw new RangeError('sweepIntervalMs must be positive');
    this.#table = new AnnouncementTable({
      maxEntries: init.maxAnnouncements ?? DEFAULT_MAX_ANNOUNCEMENTS,
    });
    this.#log = init.logger ?? silentLogger;
    this.#now = init.now ?? Date.now;
    this.#server = new RpcServer(node, {
      service: introducerServiceDefinition,
      maxQueuedNotifications: INTRODUCER_MAX_QUEUED_NOTIFICATIONS,
    });
    this.#server.handle('publish', async (signed, ctx) => this.#publish(signed, ctx));
    this.#server.onSubscribe((_body, sub) => this.#subscribe(sub));
  }

  /** The current (unexpired) announcements, ordered by peer id. */
  announcements(): SignedAnnouncement[] {
    this.#sweep();
    return this.#table.values();
  }

  /** The encoding recommended to clients, if any. */
  get encoding(): RecommendedEncoding | undefined {
    return this.#encoding;
  }

  /** How many clients are subscribed. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async start(): Promise<void> {
    if (this.#sweeper !== undefined) return;
    await this.#server.start();
    this.#sweeper = setInterval(() => this.#sweep(), this.#sweepIntervalMs);
    this.#sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.#sweeper === undefined) return;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.#server.stop();
    this.#subscribers.clear();
  }

  async #publish(signed: SignedAnnouncement, ctx: RequestContext): Promise<PublishReply> {
    const publisher = ctx.peer.toString();
    const a = signed.announcement;
    try {
      await verifyAnnouncement(signed, {
        now: this.#now(),
        ttlMs: this.#ttlMs,
        maxClockSkewMs: this.#maxClockSkewMs,
        publisher,
      });
    } catch (err) {
      this.#log.warn(`refused announcement from ${publisher}: ${errorText(err)}`);
      throw err;
    }
    this.#sweep();
    const result = this.#table.offer(signed);
    if (result.status === 'stored') {
      let sent = 0;
      for (const sub of this.#subscribers) {
        if (sub.notify('announcements', { announcements: [result.current] })) sent++;
      }
      this.#log.info(
        `${result.previous === undefined ? 'new' : 'updated'} server ${a.peerId} "${a.nickname}" seqnum ${a.seqnum}, told ${sent} subscribers`,
      );
    } else {
      this.#log.debug(`${result.status} announcement of ${a.peerId} seqnum ${a.seqnum}`);
    }
    return { status: result.status, seqnum: result.current.announcement.seqnum };
  }

  #subscribe(sub: ServerSubscription<IntroducerMessages>): void {
    this.#subscribers.add(sub);
    sub.signal.addEventListener('abort', () => this.#subscribers.delete(sub), { once: true });
    if (this.#encoding !== undefined) sub.notify('encoding', this.#encoding);
    const all = this.announcements();
    for (let i = 0; i < all.length; i += MAX_ANNOUNCEMENTS_PER_NOTIFICATION) {
      sub.notify('announcements', {
        announcements: all.slice(i, i + MAX_ANNOUNCEMENTS_PER_NOTIFICATION),
      });
    }
    this.#log.debug(`subscriber ${sub.peer.toString()} got ${all.length} announcements`);
  }

  #sweep(): void {
    for (const gone of this.#table.expire(this.#now(), this.#ttlMs)) {
      this.#log.info(`expired announcement of ${gone.announcement.peerId}`);
    }
  }
}

/**
 * Creates the introducer service on `node`; call `start()` to serve.
 * @throws {RangeError} for an impossible encoding or a non-positive duration
 * @example
 * ```ts
 * const introducer = introducerService(node, { encoding: { sharesNeeded: 3, sharesTotal: 10 } });
 * await introducer.start();
 * ```
 */
export function introducerService(
  node: RpcNode,
  init: IntroducerServiceInit = {},
): IntroducerService {
  return new IntroducerService(node, init);
}
