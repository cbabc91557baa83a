/**
 * One announcement per server, replaced only by a strictly higher seqnum (spec §7: Tahoe's
 * replay protection). Shared by the introducer and the server directory; entries must be
 * verified before they are offered.
 * @packageDocumentation
 */
import type { PublishStatus, SignedAnnouncement } from '@tessera/protocol';
import { detachSignedAnnouncement, isExpired, sameSignedAnnouncement } from './announcement.ts';
import { IntroducerFullError } from './errors.ts';

/** What {@link AnnouncementTable.offer} did. */
export interface OfferResult {
  /** `stored` (new server or higher seqnum), `unchanged` (same bytes), `stale` (ignored). */
  status: PublishStatus;
  /** What the table holds for this server now. */
  current: SignedAnnouncement;
  /** What it held before, when `stored` replaced something. */
  previous?: SignedAnnouncement;
}

/** A map from peer id to that server's newest verified announcement. */
export class AnnouncementTable {
  readonly #entries = new Map<string, SignedAnnouncement>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    if (!(this.#maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  get size(): number {
    return this.#entries.size;
  }

  get(peerId: string): SignedAnnouncement | undefined {
    return this.#entries.get(peerId);
  }

  /** Every entry, ordered by peer id. */
  values(): SignedAnnouncement[] {
    return [...this.#entries.values()].sort((a, b) =>
      a.announcement.peerId < b.announcement.peerId ? -1 : 1,
    );
  }

  /**
   * Offers a verified announcement: kept (as a detached copy) when its server is new or its
   * seqnum is strictly higher than the one held.
   * @throws {IntroducerFullError} `INTRODUCER_FULL` for a new server when the table is full
   */
  offer(offered: SignedAnnouncement): OfferResult {
    const id = offered.announcement.peerId;
    const previous = this.#entries.get(id);
    if (previous === undefined) {
      if (this.#entries.size >= this.#maxEntries) throw new IntroducerFullError(this.#maxEntries);
      const signed = detachSignedAnnouncement(offered);
      this.#entries.set(id, signed);
      return { status: 'stored', current: signed };
    }
    if (offered.announcement.seqnum > previous.announcement.seqnum) {
      const signed = detachSignedAnnouncement(offered);
      this.#entries.set(id, signed);
      return { status: 'stored', current: signed, previous };
    }
    const same = sameSignedAnnouncement(offered, previous);
    return { status: same ? 'unchanged' : 'stale', current: previous };
  }

  /** Removes a server's entry; true when there was one. */
  delete(peerId: string): boolean {
    return this.#entries.delete(peerId);
  }

  /** Removes and returns the entries issued `ttlMs` or longer before `now`. */
  expire(now: number, ttlMs: number): SignedAnnouncement[] {
    const gone: SignedAnnouncement[] = [];
    for (const [id, signed] of this.#entries) {
      if (isExpired(signed.announcement, now, ttlMs)) {
        this.#entries.delete(id);
        gone.push(signed);
      }
    }
    return gone;
  }
}
