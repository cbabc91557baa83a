/**
 * The client half of the RPC layer (docs/adr/0002-rpc-over-streams.md): requests with
 * replies and one-way messages on one long-lived session stream per client, matched by id;
 * subscriptions to the peer's notifications on streams of their own.
 * @packageDocumentation
 */
import './polyfill.ts';
import type { Connection, DialTarget, Logger, PeerId, Stream } from '@libp2p/interface';
import {
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_MESSAGE_BYTES_LIMIT,
  MAX_UNKNOWN_NOTIFICATION_BYTES,
} from './constants.ts';
import { createDeadline } from './deadline.ts';
import type { Deadline } from './deadline.ts';
import { encodeMessage, readHeader } from './envelope.ts';
import {
  AbortedError,
  ConnectionLostError,
  DialFailedError,
  FrameTooLargeError,
  InvalidMessageError,
  RequestTimeoutError,
  fromWireError,
} from './errors.ts';
import { FrameReader, writeBytes } from './framing.ts';
import { lookupType, oneWayDef, requestDef, validateNotification } from './messages.ts';
import type {
  BodyOf,
  MessageTypes,
  Notification,
  OneWayName,
  ReplyOf,
  RequestName,
  Service,
} from './messages.ts';
import type { RpcNode } from './rpc-server.ts';

/** Options of {@link rpcClient}. */
export interface RpcClientInit<M extends MessageTypes, S> {
  service: Service<M, S>;
  /** Default deadline of a call, including waiting for a slot (`PROTOCOL_REQUEST_TIMEOUT`). */
  timeoutMs?: number;
  /** Requests in flight at once; more wait their turn (default 64). */
  maxConcurrentRequests?: number;
}

/** Options of one call. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline of this call; defaults to the client's. */
  timeoutMs?: number;
}

/** A live subscription: iterate it for notifications; `close()` (or `break`) unsubscribes. */
export interface ClientSubscription<M extends MessageTypes> extends AsyncIterable<Notification<M>> {
  readonly peer: PeerId;
  close(): Promise<void>;
}

interface Pending {
  readonly maxReplyBytes: number;
  /** Validates the decoded reply and settles the request (throws when invalid). */
  accept(raw: unknown): void;
  reject(err: unknown): void;
}

interface Session {
  readonly stream: Stream;
  readonly pending: Map<number, Pending>;
  closed: boolean;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** True when `value` is an open-able libp2p connection rather than a dial target. */
export function isConnection(value: DialTarget | Connection): value is Connection {
  return typeof value === 'object' && 'newStream' in value && 'remotePeer' in value;
}

/** Talks to one peer's service over one session stream (opened on first use, reopened after loss). */
export class RpcClient<M extends MessageTypes, S = null> {
  readonly #node: RpcNode;
  readonly #service: Service<M, S>;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #log: Logger;
  #target: DialTarget;
  #connection: Connection | undefined;
  #session: Session | undefined;
  #opening: Promise<Session> | undefined;
  #nextId = 1;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(node: RpcNode, peer: DialTarget | Connection, init: RpcClientInit<M, S>) {
    this.#node = node;
    if (isConnection(peer)) {
      this.#connection = peer;
      this.#target = peer.remotePeer;
    } else {
      this.#target = peer;
    }
    this.#service = init.service;
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxConcurrent = init.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS;
    if (!(this.#maxConcurrent >= 1))
      throw new RangeError('maxConcurrentRequests must be at least 1');
    this.#log = node.logger.forComponent(`tessera:rpc:${init.service.name}:client`);
  }

  /**
   * Sends a request and returns the validated reply.
   * @throws {RemoteError} with the peer's wire code (e.g. `PROTOCOL_INVALID_MESSAGE`, or the
   * service's own codes; `PROTOCOL_UNKNOWN_REMOTE_ERROR` for codes this side does not know)
   * @throws {RequestTimeoutError} `PROTOCOL_REQUEST_TIMEOUT`
   * @throws {AbortedError} `PROTOCOL_ABORTED`
   * @throws {DialFailedError} `PROTOCOL_DIAL_FAILED`
   * @throws {ConnectionLostError} `PROTOCOL_CONNECTION_LOST`
   * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE` for a bad reply (or a bad `body`)
   * @throws {FrameTooLargeError} `PROTOCOL_FRAME_TOO_LARGE` for a reply (or a `body`) over its cap
   * @example
   * ```ts
   * const reply = await client.request('echo', { text: 'hi' }, { timeoutMs: 5_000 });
   * ```
   */
  async request<K extends RequestName<M>>(
    type: K,
    body: BodyOf<M, K>,
    options: CallOptions = {},
  ): Promise<ReplyOf<M, K>> {
    const def = requestDef(this.#service, type);
    const id = this.#nextId++;
    const bytes = encodeMessage(
      { kind: 'request', id, type },
      { value: def.validateRequest(body), maxBytes: def.maxBytes },
    );
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = createDeadline(timeoutMs, options.signal);
    let slot = false;
    let session: Session | undefined;
    try {
      slot = await this.#acquire(deadline.signal);
      session = await this.#ensureSession(deadline.signal);
      const open = session;
      if (open.closed) throw new ConnectionLostError('Cannot send request: the session ended');
      const reply = new Promise<ReplyOf<M, K>>((resolve, reject) => {
        open.pending.set(id, {
          maxReplyBytes: def.maxReplyBytes,
          accept: (raw) => resolve(def.validateReply(raw)),
          reject,
        });
      });
      reply.catch(() => {}); // it may settle after this call gave up on it
      await writeBytes(open.stream, bytes, { signal: deadline.signal });
      return await raceAbort(reply, deadline.signal);
    } catch (err) {
      if (session?.pending.delete(id) === true && !session.closed) {
        // tell the server to stop working on it
        writeBytes(session.stream, encodeMessage({ kind: 'cancel', id })).catch(() => {});
      }
      throw this.#mapError(
        err,
        deadline,
        options.signal,
        () => new RequestTimeoutError(type, timeoutMs),
      );
    } finally {
      deadline.dispose();
      if (slot) this.#release();
    }
  }

  /**
   * Sends a one-way message; resolves once it is handed to the connection (no acknowledgement).
   * @throws the dial, timeout, abort and size errors of {@link RpcClient.request}
   */
  async send<K extends OneWayName<M>>(
    type: K,
    body: BodyOf<M, K>,
    options: CallOptions = {},
  ): Promise<void> {
    const def = oneWayDef(this.#service, type);
    const bytes = encodeMessage(
      { kind: 'one-way', type },
      { value: def.validate(body), maxBytes: def.maxBytes },
    );
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      const session = await this.#ensureSession(deadline.signal);
      await writeBytes(session.stream, bytes, { signal: deadline.signal });
    } catch (err) {
      throw this.#mapError(
        err,
        deadline,
        options.signal,
        () => new RequestTimeoutError(type, timeoutMs),
      );
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Subscribes to the service's notifications; resolves once the server confirmed.
   * @throws the errors of {@link RpcClient.request} (the deadline covers the confirmation only)
   * @example
   * ```ts
   * const sub = await client.subscribe({ topic: 'storage' });
   * for await (const n of sub) if (n.type === 'announcement') use(n.body);
   * ```
   */
  async subscribe(body: S, options: CallOptions = {}): Promise<ClientSubscription<M>> {
    const def = this.#service.subscription;
    if (def === undefined) throw new TypeError(`"${this.#service.name}" declares no subscription`);
    const id = this.#nextId++;
    const bytes = encodeMessage(
      { kind: 'subscribe', id },
      { value: def.validate(body), maxBytes: def.maxBytes },
    );
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = createDeadline(timeoutMs, options.signal);
    let stream: Stream | undefined;
    let reader: FrameReader | undefined;
    let peer: PeerId | undefined;
    try {
      const opened = await this.#open(deadline.signal);
      stream = opened.stream;
      peer = opened.connection.remotePeer;
      reader = new FrameReader(stream);
      await writeBytes(stream, bytes, { signal: deadline.signal });
      const header = await readHeader(reader, { signal: deadline.signal });
      if (header.kind === 'error') throw fromWireError(header, this.#service.errorCodes);
      if (header.kind !== 'subscribed' || header.id !== id) {
        throw new InvalidMessageError(
          'header',
          `Invalid message: expected confirmation of subscription ${id}, got "${header.kind}"`,
        );
      }
    } catch (err) {
      stream?.abort(asError(err));
      reader?.release();
      throw this.#mapError(
        err,
        deadline,
        options.signal,
        () => new RequestTimeoutError('subscribe', timeoutMs),
      );
    } finally {
      deadline.dispose();
    }
    return this.#subscription(peer, stream, reader, options.signal);
  }

  /**
   * Opens the session now rather than at the first request (a long-running client warms its
   * connections up front); nothing happens when one is open or opening.
   * @throws {RequestTimeoutError} `PROTOCOL_REQUEST_TIMEOUT`
   * @throws {DialFailedError} `PROTOCOL_DIAL_FAILED`
   */
  async connect(options: CallOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      await this.#ensureSession(deadline.signal);
    } catch (err) {
      throw this.#mapError(
        err,
        deadline,
        options.signal,
        () => new RequestTimeoutError('connect', timeoutMs),
      );
    } finally {
      deadline.dispose();
    }
  }

  /** Closes the session gracefully: the server finishes what it runs, then the stream ends. */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined || session.closed) return;
    try {
      await session.stream.close();
    } catch {
      session.stream.abort(new Error('client closed'));
    }
  }

  async #ensureSession(signal: AbortSignal): Promise<Session> {
    if (this.#session !== undefined && !this.#session.closed) return this.#session;
    // One opening serves every request waiting for it (it runs under the first one's signal);
    // each waits only until its own deadline.
    this.#opening ??= this.#startSession(signal).finally(() => (this.#opening = undefined));
    return raceAbort(this.#opening, signal);
  }

  async #startSession(signal: AbortSignal): Promise<Session> {
    const { stream } = await this.#open(signal);
    const session: Session = { stream, pending: new Map(), closed: false };
    this.#session = session;
    void this.#readReplies(session, new FrameReader(stream));
    return session;
  }

  /** Reads replies and errors for the session until it ends; then fails what is pending. */
  async #readReplies(session: Session, reader: FrameReader): Promise<void> {
    let failure: unknown = new ConnectionLostError('Cannot complete request: the session ended');
    try {
      while (!(await reader.atEnd())) {
        const header = await readHeader(reader);
        if (header.kind === 'error') {
          const pending = session.pending.get(header.id);
          session.pending.delete(header.id);
          const err = fromWireError(header, this.#service.errorCodes);
          if (pending !== undefined) pending.reject(err);
          else if (header.id === 0) failure = err; // the server is closing the session
          continue;
        }
        if (header.kind !== 'reply') {
          throw new InvalidMessageError(
            'header.kind',
            `Invalid message: unexpected "${header.kind}" in a session`,
          );
        }
        const pending = session.pending.get(header.id);
        session.pending.delete(header.id);
        if (pending === undefined) {
          await reader.skipFrame(MAX_MESSAGE_BYTES_LIMIT); // cancelled or timed out meanwhile
          continue;
        }
        try {
          pending.accept(await reader.read(pending.maxReplyBytes));
        } catch (err) {
          if (err instanceof FrameTooLargeError) await reader.skipFrame(MAX_MESSAGE_BYTES_LIMIT);
          else if (!(err instanceof InvalidMessageError) || err.path === 'frame') throw err;
          pending.reject(err);
        }
      }
    } catch (err) {
      failure = err;
      this.#log('session with %p failed - %e', this.#connection?.remotePeer, err);
      session.stream.abort(asError(err));
    } finally {
      session.closed = true;
      if (this.#session === session) this.#session = undefined;
      reader.release();
      for (const pending of session.pending.values()) pending.reject(failure);
      session.pending.clear();
    }
  }

  #subscription(
    peer: PeerId,
    stream: Stream,
    reader: FrameReader,
    signal: AbortSignal | undefined,
  ): ClientSubscription<M> {
    const service = this.#service;
    const close = async (): Promise<void> => {
      try {
        await stream.close();
      } catch {
        stream.abort(new Error('unsubscribed'));
      }
    };
    const onAbort = (): void =>
      stream.abort(
        new AbortedError('Cannot receive notifications: aborted', { cause: signal?.reason }),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    async function* notifications(): AsyncGenerator<Notification<M>> {
      try {
        while (!(await reader.atEnd({ signal }))) {
          const header = await readHeader(reader, { signal });
          if (header.kind !== 'notification') {
            throw new InvalidMessageError(
              'header.kind',
              `Invalid message: expected a notification, got "${header.kind}"`,
            );
          }
          const def = lookupType(service, header.type);
          const raw = await reader.read(def?.maxBytes ?? MAX_UNKNOWN_NOTIFICATION_BYTES, {
            signal,
          });
          const notification = validateNotification(service, header.type, raw);
          if (notification !== undefined) yield notification;
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        reader.release();
        await close();
      }
    }
    return { peer, close, [Symbol.asyncIterator]: notifications };
  }

  /** Waits for a request slot; true once one is held (release it with #release). */
  async #acquire(signal: AbortSignal): Promise<true> {
    if (this.#active < this.#maxConcurrent) {
      this.#active++;
      return true;
    }
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(asError(signal.reason));
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
    return true;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined)
      next(); // the slot passes straight to the next caller
    else this.#active--;
  }

  async #open(signal: AbortSignal): Promise<{ stream: Stream; connection: Connection }> {
    let connection = this.#connection;
    if (connection === undefined || connection.status !== 'open') {
      try {
        connection = await this.#node.dial(this.#target, { signal });
      } catch (err) {
        if (signal.aborted) throw err;
        throw new DialFailedError(`Cannot dial peer: ${asError(err).message}`, { cause: err });
      }
      this.#connection = connection;
      this.#target = connection.remotePeer;
    }
    try {
      const stream = await connection.newStream(this.#service.protocol, {
        signal,
        maxOutboundStreams: DEFAULT_MAX_OUTBOUND_STREAMS,
      });
      return { stream, connection };
    } catch (err) {
      if (signal.aborted) throw err;
      throw new ConnectionLostError(
        `Cannot open stream to ${connection.remotePeer.toString()}: ${asError(err).message}`,
        { cause: err },
      );
    }
  }

  #mapError(
    err: unknown,
    deadline: Deadline,
    signal: AbortSignal | undefined,
    timeout: () => Error,
  ): unknown {
    if (deadline.expired) return timeout();
    if (signal?.aborted === true) {
      return new AbortedError('Cannot complete call: aborted', { cause: signal.reason });
    }
    if (err instanceof Error && !('code' in err)) {
      this.#log('call failed - %e', err);
      return new ConnectionLostError(`Cannot complete call: ${err.message}`, { cause: err });
    }
    return err;
  }
}

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : asError(e));
      },
    );
  });
}

/**
 * Creates an {@link RpcClient} for `service` at `peer` (a peer id, multiaddrs, or an open
 * connection).
 * @example
 * ```ts
 * const client = rpcClient(node, serverAddrs, { service: echoService });
 * ```
 */
export function rpcClient<M extends MessageTypes, S = null>(
  node: RpcNode,
  peer: DialTarget | Connection,
  init: RpcClientInit<M, S>,
): RpcClient<M, S> {
  return new RpcClient(node, peer, init);
}
