/**
 * The server side of one subscription: a long-lived stream the client opened, on which the
 * server writes notification messages in order, with a bounded queue per subscriber.
 * @packageDocumentation
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { encodeMessage } from './envelope.ts';
import { InvalidMessageError, SubscriberTooSlowError } from './errors.ts';
import { writeBytes } from './framing.ts';
import type { FrameReader } from './framing.ts';
import { notificationDef } from './messages.ts';
import type { BodyOf, MessageTypes, NotificationName, Service } from './messages.ts';

/** What {@link ServerSubscription} needs; built by the RPC server. */
export interface ServerSubscriptionInit<M extends MessageTypes> {
  service: Service<M, unknown>;
  stream: Stream;
  reader: FrameReader;
  peer: PeerId;
  connection: Connection;
  maxQueued: number;
  log: Logger;
}

/** One subscriber. `notify` queues; a subscriber that falls `maxQueued` behind is dropped. */
export class ServerSubscription<M extends MessageTypes> {
  readonly peer: PeerId;
  readonly connection: Connection;
  readonly #service: Service<M, unknown>;
  readonly #stream: Stream;
  readonly #reader: FrameReader;
  readonly #maxQueued: number;
  readonly #log: Logger;
  readonly #ended = new AbortController();
  readonly #queue: Uint8ArrayList[] = [];
  #running = false;
  #current: Promise<void> = Promise.resolve();
  #started = false;

  constructor(init: ServerSubscriptionInit<M>) {
    this.peer = init.peer;
    this.connection = init.connection;
    this.#service = init.service;
    this.#stream = init.stream;
    this.#reader = init.reader;
    this.#maxQueued = init.maxQueued;
    this.#log = init.log;
  }

  /** Aborts when the subscription ends (client left, dropped, or server stopped). */
  get signal(): AbortSignal {
    return this.#ended.signal;
  }

  /** Notifications queued and not yet handed to the stream. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues a notification; false when the subscription has ended or was just dropped.
   * @throws {TypeError} when `type` is not a notification type of the service
   * @throws {InvalidMessageError} when `body` fails the type's validator
   * @throws {FrameTooLargeError} when `body` exceeds the type's cap
   */
  notify<K extends NotificationName<M>>(type: K, body: BodyOf<M, K>): boolean {
    const def = notificationDef(this.#service, type);
    const value = def.validate(body);
    if (this.#ended.signal.aborted) return false;
    if (this.#queue.length >= this.#maxQueued) {
      this.#drop(new SubscriberTooSlowError(this.#queue.length));
      return false;
    }
    this.#queue.push(
      encodeMessage({ kind: 'notification', type }, { value, maxBytes: def.maxBytes }),
    );
    if (this.#started) void this.#pump();
    return true;
  }

  /** Ends the subscription gracefully: queued notifications are sent, then the stream closes. */
  close(): void {
    if (this.#ended.signal.aborted) return;
    this.#ended.abort();
    this.#pump()
      .then(async () => this.#stream.close())
      .catch((err: unknown) =>
        this.#stream.abort(err instanceof Error ? err : new Error(String(err))),
      );
  }

  /** Confirms the subscription and serves it until it ends. Used by the RPC server. */
  async run(id: number): Promise<void> {
    this.#queue.unshift(encodeMessage({ kind: 'subscribed', id }));
    this.#started = true;
    void this.#pump();
    try {
      if (!(await this.#reader.atEnd({ signal: this.#ended.signal }))) {
        this.#drop(
          new InvalidMessageError('stream', 'Invalid message: data after the subscribe request'),
        );
      }
    } catch (err) {
      if (!this.#ended.signal.aborted)
        this.#drop(err instanceof Error ? err : new Error(String(err)));
    }
    this.close();
  }

  #drop(err: Error): void {
    if (this.#ended.signal.aborted) return;
    this.#log('dropping subscriber %p - %e', this.peer, err);
    this.#ended.abort(err);
    this.#queue.length = 0;
    this.#stream.abort(err);
  }

  #pump(): Promise<void> {
    if (!this.#running) this.#current = this.#drain();
    return this.#current;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        await writeBytes(this.#stream, next);
      }
    } catch (err) {
      this.#drop(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#running = false;
    }
  }
}
