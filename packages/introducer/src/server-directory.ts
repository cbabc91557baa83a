/**
 * The client's side of the introducer (spec §7 `subscribe_v2`): subscribe to every configured
 * introducer and keep the storage servers they announce.
 *
 * Every announcement is verified here (signature, peer id, seed, addresses, age), whatever the
 * introducer says, then kept one per server with the strictly-higher-seqnum rule. What is kept
 * is also written to a cache file and read back at start, so a client finds servers while every
 * introducer is down. Lost subscriptions are retried with a bounded backoff until `stop()`.
 * @packageDocumentation
 */
import type { Libp2p, Startable } from '@libp2p/interface';
import { AbortedError, introducerServiceDefinition, rpcClient } from '@tessera/protocol';
import type { Announcement, RecommendedEncoding, SignedAnnouncement } from '@tessera/protocol';
import { verifyAnnouncement } from './announcement.ts';
import { AnnouncementTable } from './announcement-table.ts';
import { Backoff, sleep } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import {
  DEFAULT_ANNOUNCEMENT_TTL_MS,
  DEFAULT_INTRODUCER_CALL_TIMEOUT_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  MAX_CLOCK_SKEW_MS,
} from './constants.ts';
import { NotEnoughServersError } from './errors.ts';
import { parseIntroducerAddresses } from './introducer-address.ts';
import type { IntroducerTarget } from './introducer-address.ts';
import { errorText, silentLogger } from './logger.ts';
import type { IntroducerLogger } from './logger.ts';
import { readServerCache, writeServerCache } from './server-cache.ts';

/** The part of a libp2p node the server directory uses. */
export type DirectoryNode = Pick<Libp2p, 'dial' | 'handle' | 'unhandle' | 'logger'>;

/** A storage server as its verified announcement describes it. */
export type ServerInfo = Readonly<Announcement>;

/** What changed in the directory. */
export interface ServerDirectoryChange {
  kind: 'added' | 'updated' | 'removed';
  server: ServerInfo;
  /** The server's previous announcement, for `updated`. */
  previous?: ServerInfo;
}

/** Options of {@link serverDirectory}. */
export interface ServerDirectoryInit {
  node: DirectoryNode;
  /** Introducer multiaddrs, each ending in `/p2p/<peer id>`. */
  introducers: readonly string[];
  /** The cache file (`DIR/private/introducer-cache.json`); none when undefined. */
  cachePath?: string;
  /** Announcements issued longer ago are dropped, ms (default 7 days; `Infinity`: never). */
  ttlMs?: number;
  /** How far in the future `issuedAt` may be, ms (default 1 day). */
  maxClockSkewMs?: number;
  /** Retry delays for lost subscriptions (default 1 s doubling to 60 s). */
  retry?: Partial<BackoffOptions>;
  /** Deadline of a subscribe call, ms (default 20 s). */
  callTimeoutMs?: number;
  /** How often expired servers are dropped, ms (default a tenth of the TTL, at most 1 h). */
  sweepIntervalMs?: number;
  logger?: IntroducerLogger;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
}

/** Options of {@link ServerDirectory.ready}. */
export interface ReadyOptions {
  /** Servers to wait for (default 1). */
  minServers?: number;
  /** Deadline, ms (default 30 s; `INTRODUCER_NOT_ENOUGH_SERVERS`). */
  timeoutMs?: number;
  /** Counts only the servers it accepts (e.g. `(s) => !s.readOnly`). */
  filter?: (server: ServerInfo) => boolean;
  signal?: AbortSignal;
}

/** How one introducer subscription stands. */
export interface SubscriptionState {
  /** The introducer's peer id. */
  introducer: string;
  subscribed: boolean;
  /** The last error, until the next subscription. */
  lastError: string | undefined;
}

interface Target {
  readonly spec: IntroducerTarget;
  subscribed: boolean;
  lastError: string | undefined;
}

/** The storage servers this node knows, kept current by the introducers. Startable. */
export class ServerDirectory implements Startable {
  readonly #init: ServerDirectoryInit;
  readonly #log: IntroducerLogger;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #retry: BackoffOptions;
  readonly #targets: Target[];
  readonly #table = new AnnouncementTable();
  readonly #encodings = new Map<string, RecommendedEncoding>();
  readonly #listeners = new Set<(change: ServerDirectoryChange) => void>();
  #stop: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #saving: Promise<void> | undefined;
  #dirty = false;

  /**
   * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS` for a bad introducer address
   * @throws {RangeError} for a non-positive duration
   */
  constructor(init: ServerDirectoryInit) {
    this.#init = init;
    this.#log = init.logger ?? silentLogger;
    this.#now = init.now ?? Date.now;
    this.#ttlMs = init.ttlMs ?? DEFAULT_ANNOUNCEMENT_TTL_MS;
    if (!(this.#ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    this.#retry = {
      initialDelayMs: init.retry?.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: init.retry?.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    };
    new Backoff(this.#retry); // checks the delays
    this.#targets = parseIntroducerAddresses(init.introducers).map((spec) => ({
      spec,
      subscribed: false,
      lastError: undefined,
    }));
  }

  /** The known servers, ordered by peer id. */
  servers(): ServerInfo[] {
    return this.#table.values().map((s) => s.announcement);
  }

  /** A known server by peer id. */
  server(peerId: string): ServerInfo | undefined {
    return this.#table.get(peerId)?.announcement;
  }

  /** The known servers' signed announcements (to hand on, or to re-verify). */
  signedAnnouncements(): SignedAnnouncement[] {
    return this.#table.values();
  }

  /**
   * The encoding recommended by the first configured introducer that sent one (live or
   * cached). An introducer sends it before its announcements, so once `ready()` resolved it is
   * known. Combine with the client's own settings through `resolveEncoding`.
   */
  recommendedEncoding(): RecommendedEncoding | undefined {
    for (const t of this.#targets) {
      const e = this.#encodings.get(t.spec.peerId);
      if (e !== undefined) return { ...e };
    }
    return undefined;
  }

  /** Where each introducer subscription stands, in configured order. */
  status(): SubscriptionState[] {
    return this.#targets.map((t) => ({
      introducer: t.spec.peerId,
      subscribed: t.subscribed,
      lastError: t.lastError,
    }));
  }

  /** Calls `listener` on each change; returns the function that removes it. */
  onChange(listener: (change: ServerDirectoryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the servers once at least `minServers` (that pass `filter`) are known.
   * @throws {NotEnoughServersError} `INTRODUCER_NOT_ENOUGH_SERVERS` after `timeoutMs`
   * @throws {AbortedError} `PROTOCOL_ABORTED` when `signal` aborts
   * @example
   * ```ts
   * await directory.ready({ minServers: encoding.sharesHappy, filter: (s) => !s.readOnly });
   * ```
   */
  async ready(options: ReadyOptions = {}): Promise<ServerInfo[]> {
    const need = options.minServers ?? 1;
    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const filter = options.filter ?? (() => true);
    const matching = (): ServerInfo[] => this.servers().filter(filter);
    const now = matching();
    if (now.length >= need) return now;
    const signal = options.signal;
    return new Promise<ServerInfo[]>((resolve, reject) => {
      const finish = (err: Error | undefined): void => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve(matching());
        else reject(err);
      };
      const off = this.onChange(() => {
        if (matching().length >= need) finish(undefined);
      });
      const timer = setTimeout(
        () => finish(new NotEnoughServersError(matching().length, need, timeoutMs)),
        timeoutMs,
      );
      const onAbort = (): void =>
        finish(new AbortedError('Cannot wait for servers: aborted', { cause: signal?.reason }));
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Loads the cache (re-verifying every entry), then subscribes to every introducer in the
   * background. Resolves before any introducer is reached. A missing or unreadable cache file
   * only means starting empty.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#stop !== undefined) return;
    await this.#loadCache(options);
    const stop = new AbortController();
    this.#stop = stop;
    this.#loops = this.#targets.map(async (t) => this.#loop(t, stop.signal));
    const sweepMs =
      this.#init.sweepIntervalMs ?? Math.min(Math.max(this.#ttlMs / 10, 1_000), 60 * 60 * 1000);
    this.#sweeper = setInterval(() => this.#sweep(), sweepMs);
    this.#sweeper.unref();
  }

  /** Ends the subscriptions and writes the cache. Idempotent. */
  async stop(): Promise<void> {
    const stop = this.#stop;
    if (stop === undefined) return;
    this.#stop = undefined;
    clearInterval(this.#sweeper);
    stop.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
    await this.#saving;
  }

  async #loadCache(options: { signal?: AbortSignal }): Promise<void> {
    const path = this.#init.cachePath;
    if (path === undefined) return;
    let cache;
    try {
      cache = await readServerCache(path, options);
    } catch (err) {
      options.signal?.throwIfAborted();
      this.#log.warn(`${errorText(err)}; starting without cached servers`);
      return;
    }
    if (cache === undefined) return;
    for (const [id, e] of cache.encodings) this.#encodings.set(id, e);
    let dropped = cache.dropped;
    for (const signed of cache.announcements) {
      if (!(await this.#accept(signed, 'cache'))) dropped++;
    }
    this.#log.info(
      `loaded ${this.#table.size} servers from ${path}${dropped > 0 ? `, dropped ${dropped} entries` : ''}`,
    );
  }

  /** Verifies and keeps one announcement; true when it was stored (new or newer). */
  async #accept(signed: SignedAnnouncement, from: string): Promise<boolean> {
    const id = signed.announcement.peerId;
    const held = this.#table.get(id);
    // nothing to verify when it could not replace what is held
    if (held !== undefined && held.announcement.seqnum >= signed.announcement.seqnum) return false;
    try {
      await verifyAnnouncement(signed, {
        now: this.#now(),
        ttlMs: this.#ttlMs,
        maxClockSkewMs: this.#init.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS,
      });
    } catch (err) {
      this.#log.warn(`ignored announcement of ${id} from ${from}: ${errorText(err)}`);
      return false;
    }
    const result = this.#table.offer(signed);
    if (result.status !== 'stored') return false;
    const server = result.current.announcement;
    this.#log.debug(
      `${result.previous === undefined ? 'new' : 'updated'} server ${id} from ${from}`,
    );
    this.#emit(
      result.previous === undefined
        ? { kind: 'added', server }
        : { kind: 'updated', server, previous: result.previous.announcement },
    );
    return true;
  }

  #emit(change: ServerDirectoryChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#log.error(`a server directory listener failed: ${errorText(err)}`);
      }
    }
  }

  #sweep(): void {
    const gone = this.#table.expire(this.#now(), this.#ttlMs);
    for (const signed of gone) {
      this.#log.info(`server ${signed.announcement.peerId} expired`);
      this.#emit({ kind: 'removed', server: signed.announcement });
    }
    if (gone.length > 0) this.#save();
  }

  /** Writes the cache soon; writes coalesce, one at a time. */
  #save(): void {
    const path = this.#init.cachePath;
    if (path === undefined) return;
    this.#dirty = true;
    this.#saving ??= (async () => {
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await writeServerCache(path, {
            announcements: this.#table.values(),
            encodings: new Map(this.#encodings),
          });
        } catch (err) {
          this.#log.warn(`cannot write server cache: ${errorText(err)}`);
        }
      }
      this.#saving = undefined;
    })();
  }

  async #loop(target: Target, stop: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.#retry);
    const from = `introducer ${target.spec.peerId}`;
    while (!stop.aborted) {
      try {
        const client = rpcClient(this.#init.node, [...target.spec.multiaddrs], {
          service: introducerServiceDefinition,
          timeoutMs: this.#init.callTimeoutMs ?? DEFAULT_INTRODUCER_CALL_TIMEOUT_MS,
        });
        const sub = await client.subscribe({}, { signal: stop });
        target.subscribed = true;
        if (target.lastError !== undefined) this.#log.info(`subscribed to ${from}`);
        target.lastError = undefined;
        backoff.reset();
        for await (const n of sub) {
          let changed = false;
          if (n.type === 'encoding') {
            const before = this.#encodings.get(target.spec.peerId);
            this.#encodings.set(target.spec.peerId, n.body);
            changed = JSON.stringify(before) !== JSON.stringify(n.body);
          } else {
            for (const signed of n.body.announcements) {
              if (await this.#accept(signed, from)) changed = true;
            }
          }
          if (changed) this.#save();
        }
        this.#log.info(`${from} ended the subscription`);
      } catch (err) {
        if (stop.aborted) break;
        const first = target.lastError === undefined;
        target.lastError = errorText(err);
        const line = `cannot subscribe to ${from}: ${target.lastError}`;
        if (first) this.#log.warn(line);
        else this.#log.debug(line);
      } finally {
        target.subscribed = false;
      }
      await sleep(backoff.next(), stop);
    }
  }
}

/**
 * Creates a {@link ServerDirectory}; call `start()` to load the cache and subscribe.
 * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS` for a bad introducer address
 * @example
 * ```ts
 * const directory = serverDirectory({
 *   node, introducers: config.introducers, cachePath: join(dir, 'private', SERVER_CACHE_FILE),
 * });
 * await directory.start();
 * const servers = await directory.ready({ minServers: 7, timeoutMs: 10_000 });
 * ```
 */
export function serverDirectory(init: ServerDirectoryInit): ServerDirectory {
  return new ServerDirectory(init);
}
