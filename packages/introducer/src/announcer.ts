/**
 * The storage server's side of the introducer (spec §7 `publish_v2`): sign this node's
 * announcement and keep every configured introducer told.
 *
 * One loop per introducer: dial, publish, then wait until the connection drops or the
 * announcement changes, and publish again. An unreachable introducer is retried with a
 * doubling delay capped at `retry.maxDelayMs`, forever, until `stop()`: introducers that are
 * down never stop the node. After an introducer restart the first publish restores it.
 * @packageDocumentation
 */
import type { Libp2p, PeerId, PrivateKey, Startable } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { AbortedError, introducerServiceDefinition, rpcClient } from '@tessera/protocol';
import type { SignedAnnouncement } from '@tessera/protocol';
import { signAnnouncement } from './announcement.ts';
import { Backoff, sleep } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import {
  DEFAULT_INTRODUCER_CALL_TIMEOUT_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_SOFTWARE_VERSION,
} from './constants.ts';
import { dialableAddrs } from './dialable-addrs.ts';
import { parseIntroducerAddresses } from './introducer-address.ts';
import type { IntroducerTarget } from './introducer-address.ts';
import { errorText, silentLogger } from './logger.ts';
import type { IntroducerLogger } from './logger.ts';
import { readSeqnum, writeSeqnum } from './seqnum-file.ts';

/** The part of a libp2p node the announcer uses. */
export type AnnouncerNode = Pick<
  Libp2p,
  | 'peerId'
  | 'dial'
  | 'handle'
  | 'unhandle'
  | 'logger'
  | 'getMultiaddrs'
  | 'getConnections'
  | 'addEventListener'
  | 'removeEventListener'
>;

/** Options of {@link announcer}. */
export interface AnnouncerInit {
  node: AnnouncerNode;
  /** The node's key: the key of `node.peerId`. */
  privateKey: PrivateKey;
  /** Introducer multiaddrs, each ending in `/p2p/<peer id>`. */
  introducers: readonly string[];
  /** The seqnum file (`DIR/announcement-seqnum`, see `SEQNUM_FILE`). */
  seqnumPath: string;
  nickname: string;
  /** Software name and version (default `tessera/0.1.0`). */
  version?: string;
  /**
   * Addresses to announce, used as given. By default, at every signing:
   * `dialableAddrs(node.getMultiaddrs(), announce)`.
   */
  addrs?: readonly string[];
  /** `--announce`: overrides the node's own addresses when not empty. */
  announce?: readonly string[];
  /** Bytes the server can still store, or a function giving it (read at every signing). */
  availableSpace: number | (() => number | Promise<number>);
  readOnly?: boolean;
  /** How often the announcement is re-signed and re-published, ms (default 1 day). */
  refreshIntervalMs?: number;
  /** Retry delays for unreachable introducers (default 1 s doubling to 60 s). */
  retry?: Partial<BackoffOptions>;
  /** Deadline of one publish, ms (default 20 s). */
  callTimeoutMs?: number;
  logger?: IntroducerLogger;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
}

/** The fields of an announcement {@link Announcer.update} can change. */
export interface AnnouncementChanges {
  nickname?: string;
  addrs?: readonly string[];
  availableSpace?: number | (() => number | Promise<number>);
  readOnly?: boolean;
}

/** How one introducer stands. */
export interface PublishState {
  /** The introducer's peer id. */
  introducer: string;
  /** The seqnum it acknowledged last, if any. */
  publishedSeqnum: number | undefined;
  /** True when it holds the current announcement. */
  upToDate: boolean;
  /** The last error, until the next success. */
  lastError: string | undefined;
}

interface Target {
  readonly spec: IntroducerTarget;
  readonly peer: PeerId;
  publishedSeqnum: number | undefined;
  lastError: string | undefined;
  wake: (() => void) | undefined;
}

/** Publishes this node's signed announcement to every configured introducer. Startable. */
export class Announcer implements Startable {
  readonly #init: AnnouncerInit;
  readonly #node: AnnouncerNode;
  readonly #log: IntroducerLogger;
  readonly #now: () => number;
  readonly #targets: Target[];
  readonly #retry: BackoffOptions;
  readonly #refreshIntervalMs: number;
  readonly #listeners = new Set<() => void>();
  #fields: Required<AnnouncementChanges>;
  #lastSeqnum = 0;
  #current: SignedAnnouncement | undefined;
  #signing: Promise<unknown> = Promise.resolve();
  #stop: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #refresher: ReturnType<typeof setInterval> | undefined;

  /**
   * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS` for a bad introducer address
   * @throws {RangeError} when `privateKey` is not the node's key, or a duration is not positive
   */
  constructor(init: AnnouncerInit) {
    this.#init = init;
    this.#node = init.node;
    if (!peerIdFromPrivateKey(init.privateKey).equals(init.node.peerId)) {
      throw new RangeError('Cannot announce: privateKey is not the key of node.peerId');
    }
    this.#log = init.logger ?? silentLogger;
    this.#now = init.now ?? Date.now;
    this.#targets = parseIntroducerAddresses(init.introducers).map((spec) => ({
      spec,
      peer: peerIdFromString(spec.peerId),
      publishedSeqnum: undefined,
      lastError: undefined,
      wake: undefined,
    }));
    this.#retry = {
      initialDelayMs: init.retry?.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: init.retry?.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    };
    new Backoff(this.#retry); // checks the delays
    this.#refreshIntervalMs = init.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    if (!(this.#refreshIntervalMs > 0)) throw new RangeError('refreshIntervalMs must be positive');
    this.#fields = {
      nickname: init.nickname,
      addrs: init.addrs ?? [],
      availableSpace: init.availableSpace,
      readOnly: init.readOnly ?? false,
    };
  }

  /** The announcement being published (undefined before `start()`). */
  current(): SignedAnnouncement | undefined {
    return this.#current;
  }

  /** Where each introducer stands, in configured order. */
  status(): PublishState[] {
    const seqnum = this.#current?.announcement.seqnum;
    return this.#targets.map((t) => ({
      introducer: t.spec.peerId,
      publishedSeqnum: t.publishedSeqnum,
      upToDate: seqnum !== undefined && t.publishedSeqnum === seqnum,
      lastError: t.lastError,
    }));
  }

  /**
   * Loads the seqnum, signs the first announcement, and starts publishing in the background.
   * Resolves before any introducer is reached.
   * @throws the file system's error when the seqnum file cannot be read or written
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#stop !== undefined) return;
    try {
      this.#lastSeqnum = (await readSeqnum(this.#init.seqnumPath, options)) ?? 0;
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'INTRODUCER_BAD_SEQNUM_FILE'))
        throw err;
      // the seqnum floor (the clock) keeps seqnums growing anyway
      this.#log.warn(`${errorText(err)}; starting from the clock`);
    }
    await this.#sign(options);
    const stop = new AbortController();
    this.#stop = stop;
    this.#loops = this.#targets.map(async (t) => this.#loop(t, stop.signal));
    this.#refresher = setInterval(() => {
      this.#sign().catch((err: unknown) =>
        this.#log.error(`cannot refresh announcement: ${errorText(err)}`),
      );
    }, this.#refreshIntervalMs);
    this.#refresher.unref();
    if (this.#targets.length === 0)
      this.#log.warn('no introducer configured: announcing to nobody');
  }

  /** Stops publishing (introducers keep the announcement until it expires). Idempotent. */
  async stop(): Promise<void> {
    const stop = this.#stop;
    if (stop === undefined) return;
    this.#stop = undefined;
    clearInterval(this.#refresher);
    stop.abort();
    await Promise.all(this.#loops);
    await this.#signing.catch(() => {});
    this.#loops = [];
  }

  /**
   * Changes announced fields, re-signs with a new seqnum, and re-publishes everywhere.
   * @throws the file system's error when the seqnum file cannot be written
   * @throws {RangeError} for an address that is not a multiaddr of this node
   */
  async update(
    changes: AnnouncementChanges,
    options: { signal?: AbortSignal } = {},
  ): Promise<SignedAnnouncement> {
    this.#fields = {
      nickname: changes.nickname ?? this.#fields.nickname,
      addrs: changes.addrs ?? this.#fields.addrs,
      availableSpace: changes.availableSpace ?? this.#fields.availableSpace,
      readOnly: changes.readOnly ?? this.#fields.readOnly,
    };
    return this.#sign(options);
  }

  /**
   * Resolves once at least `minIntroducers` (default: all, at least one) hold the current
   * announcement.
   * @throws {AbortedError} `PROTOCOL_ABORTED` when `signal` aborts
   */
  async published(options: { minIntroducers?: number; signal?: AbortSignal } = {}): Promise<void> {
    const need = Math.min(options.minIntroducers ?? this.#targets.length, this.#targets.length);
    const done = (): boolean => this.status().filter((s) => s.upToDate).length >= Math.max(need, 0);
    if (done()) return;
    const signal = options.signal;
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        this.#listeners.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = (): void => {
        if (done()) finish();
      };
      const onAbort = (): void =>
        finish(new AbortedError('Cannot wait for publication: aborted', { cause: signal?.reason }));
      if (signal?.aborted === true) return onAbort();
      this.#listeners.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Signs a new announcement (serialized: one signing at a time). */
  async #sign(options: { signal?: AbortSignal } = {}): Promise<SignedAnnouncement> {
    const run = this.#signing.catch(() => {}).then(async () => this.#signNow(options));
    this.#signing = run;
    return run;
  }

  async #signNow(options: { signal?: AbortSignal }): Promise<SignedAnnouncement> {
    const f = this.#fields;
    const now = this.#now();
    // Tahoe counts +1 per publish; the clock floor keeps seqnums growing if the file is lost
    const seqnum = Math.max(this.#lastSeqnum + 1, now);
    const availableSpace =
      typeof f.availableSpace === 'function' ? await f.availableSpace() : f.availableSpace;
    const addrs =
      f.addrs.length > 0
        ? f.addrs
        : dialableAddrs(
            this.#node.getMultiaddrs().map((m) => m.toString()),
            this.#init.announce ?? [],
            { peerId: this.#node.peerId.toString() },
          );
    if (addrs.length === 0) this.#log.warn('announcing no address: the node does not listen');
    await writeSeqnum(this.#init.seqnumPath, seqnum, options);
    this.#lastSeqnum = seqnum;
    const signed = await signAnnouncement(
      this.#init.privateKey,
      {
        addrs,
        nickname: f.nickname,
        version: this.#init.version ?? DEFAULT_SOFTWARE_VERSION,
        availableSpace: Math.max(0, Math.floor(availableSpace)),
        readOnly: f.readOnly,
        seqnum,
        issuedAt: now,
      },
      options,
    );
    this.#current = signed;
    this.#log.debug(`signed announcement seqnum ${seqnum}`);
    for (const t of this.#targets) t.wake?.();
    this.#changed();
    return signed;
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  async #loop(target: Target, stop: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.#retry);
    let stale = 0;
    while (!stop.aborted) {
      const signed = this.#current;
      if (signed === undefined) return;
      try {
        const reply = await this.#publish(target, signed, stop);
        if (reply.status === 'stale') {
          // the introducer holds a higher seqnum (a lost seqnum file): go above it once
          if (++stale > 1 || reply.seqnum >= Number.MAX_SAFE_INTEGER - 1) {
            throw new Error(`introducer keeps a higher seqnum ${reply.seqnum}`);
          }
          this.#lastSeqnum = Math.max(this.#lastSeqnum, reply.seqnum);
          await this.#sign({ signal: stop });
          continue;
        }
        stale = 0;
        if (target.lastError !== undefined)
          this.#log.info(`published to introducer ${target.spec.peerId}`);
        target.publishedSeqnum = signed.announcement.seqnum;
        target.lastError = undefined;
        backoff.reset();
        this.#changed();
        const why = await this.#waitForChange(target, signed, stop);
        if (why === 'disconnected') await sleep(backoff.next(), stop);
      } catch (err) {
        if (stop.aborted) break;
        const first = target.lastError === undefined;
        target.lastError = errorText(err);
        const line = `cannot publish to introducer ${target.spec.peerId}: ${target.lastError}`;
        if (first) this.#log.warn(line);
        else this.#log.debug(line);
        await sleep(backoff.next(), stop);
      }
    }
  }

  async #publish(
    target: Target,
    signed: SignedAnnouncement,
    stop: AbortSignal,
  ): Promise<{ status: string; seqnum: number }> {
    const client = rpcClient(this.#node, [...target.spec.multiaddrs], {
      service: introducerServiceDefinition,
      timeoutMs: this.#init.callTimeoutMs ?? DEFAULT_INTRODUCER_CALL_TIMEOUT_MS,
    });
    try {
      return await client.request('publish', signed, { signal: stop });
    } finally {
      await client.close().catch(() => {});
    }
  }

  /** Waits until the announcement changes, the introducer's connection drops, or stop. */
  async #waitForChange(
    target: Target,
    published: SignedAnnouncement,
    stop: AbortSignal,
  ): Promise<'changed' | 'disconnected' | 'stopped'> {
    return new Promise((resolve) => {
      const finish = (why: 'changed' | 'disconnected' | 'stopped'): void => {
        target.wake = undefined;
        this.#node.removeEventListener('peer:disconnect', onDisconnect);
        stop.removeEventListener('abort', onStop);
        resolve(why);
      };
      const onDisconnect = (evt: CustomEvent<PeerId>): void => {
        if (evt.detail.equals(target.peer)) finish('disconnected');
      };
      const onStop = (): void => finish('stopped');
      this.#node.addEventListener('peer:disconnect', onDisconnect);
      stop.addEventListener('abort', onStop, { once: true });
      target.wake = () => finish('changed');
      if (stop.aborted) finish('stopped');
      else if (this.#current !== published) finish('changed');
      else if (this.#node.getConnections(target.peer).length === 0) finish('disconnected');
    });
  }
}

/**
 * Creates an {@link Announcer}; call `start()` to publish.
 * @throws {InvalidIntroducerAddressError} `INTRODUCER_BAD_ADDRESS` for a bad introducer address
 * @throws {RangeError} when `privateKey` is not the node's key
 * @example
 * ```ts
 * const announcing = announcer({
 *   node, privateKey, introducers: config.introducers, seqnumPath: join(dir, SEQNUM_FILE),
 *   nickname: 'alpha', availableSpace: () => store.availableSpace(), logger,
 * });
 * await announcing.start();
 * ```
 */
export function announcer(init: AnnouncerInit): Announcer {
  return new Announcer(init);
}
