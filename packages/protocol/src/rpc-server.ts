/**
 * The server half of the RPC layer (docs/adr/0002-rpc-over-streams.md).
 *
 * A client's requests and one-way messages share one long-lived *session* stream per client:
 * header and body frames in, reply or error frames out, matched by request id. The server runs
 * up to `maxConcurrentRequests` handlers per session and stops reading beyond that, so a busy
 * server pushes back through yamux flow control. A subscription gets a stream of its own.
 * @packageDocumentation
 */
import './polyfill.ts';
import type { Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface';
import { setMaxListeners } from 'node:events';
import type { Uint8ArrayList } from 'uint8arraylist';
import {
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_MAX_QUEUED_NOTIFICATIONS,
  DEFAULT_READ_TIMEOUT_MS,
  MAX_MESSAGE_BYTES_LIMIT,
} from './constants.ts';
import { createDeadline } from './deadline.ts';
import { encodeMessage, readHeader } from './envelope.ts';
import {
  AbortedError,
  FrameTooLargeError,
  HandlerTimeoutError,
  InvalidMessageError,
  ProtocolError,
  ReadTimeoutError,
  UnknownMessageTypeError,
  toWireError,
} from './errors.ts';
import { FrameReader, writeBytes } from './framing.ts';
import { lookupType } from './messages.ts';
import type {
  BodyOf,
  Header,
  MessageType,
  MessageTypes,
  NotificationName,
  OneWayName,
  ReplyOf,
  RequestName,
  Service,
} from './messages.ts';
import { ServerSubscription } from './server-subscription.ts';

/** The part of a libp2p node the RPC layer uses. */
export type RpcNode = Pick<Libp2p, 'handle' | 'unhandle' | 'dial' | 'logger'>;

/** What a handler learns about the request besides its body. */
export interface RequestContext {
  readonly type: string;
  readonly peer: PeerId;
  readonly connection: Connection;
  /** Aborts on the handler deadline, on cancel, when the server stops or the client leaves. */
  readonly signal: AbortSignal;
}

/** A request handler returns the reply; a one-way handler returns nothing. */
export type Handler<M extends MessageTypes, K extends keyof M> = (
  body: BodyOf<M, K>,
  ctx: RequestContext,
) => HandlerResult<M, K> | Promise<HandlerResult<M, K>>;

/** The reply of a request type, nothing for a one-way type. */
export type HandlerResult<M extends MessageTypes, K extends keyof M> = M[K] extends {
  kind: 'request';
}
  ? ReplyOf<M, K>
  : void;

/** Called for each new subscriber; throw (a coded error) to refuse it. */
export type SubscribeHandler<M extends MessageTypes, S> = (
  body: S,
  subscription: ServerSubscription<M>,
) => void | Promise<void>;

/** Options of {@link rpcServer}. */
export interface RpcServerInit<M extends MessageTypes, S> {
  service: Service<M, S>;
  /** Deadline for a handler's reply (`PROTOCOL_HANDLER_TIMEOUT`). */
  handlerTimeoutMs?: number;
  /** Deadline for a body to arrive once its header has (`PROTOCOL_READ_TIMEOUT`). */
  readTimeoutMs?: number;
  /** Handlers running at once per session; the server stops reading beyond that. */
  maxConcurrentRequests?: number;
  /** Sessions and subscriptions per connection. */
  maxInboundStreams?: number;
  /** Queue per subscriber before it is dropped (`PROTOCOL_SUBSCRIBER_TOO_SLOW`). */
  maxQueuedNotifications?: number;
}

type AnyHandler = (body: unknown, ctx: RequestContext) => unknown;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** One client's session stream on the server. */
interface Session {
  readonly stream: Stream;
  readonly connection: Connection;
  readonly reader: FrameReader;
  /** Aborts when the stream closes or resets. */
  readonly gone: AbortController;
  readonly running: Map<number, AbortController>;
  readonly oneWays: Set<Promise<void>>;
  wake: (() => void) | undefined;
}

/**
 * Serves one service on a libp2p node. Startable: `start()` registers the protocol handler,
 * `stop()` removes it, ends every subscription and aborts handlers in flight.
 */
export class RpcServer<M extends MessageTypes, S = null> implements Startable {
  readonly #node: RpcNode;
  readonly #service: Service<M, S>;
  readonly #log: Logger;
  readonly #handlerTimeoutMs: number;
  readonly #readTimeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #maxInboundStreams: number;
  readonly #maxQueued: number;
  readonly #handlers = new Map<string, AnyHandler>();
  readonly #subscriptions = new Set<ServerSubscription<M>>();
  #onSubscribe: SubscribeHandler<M, S> | undefined;
  #stopController = new AbortController();
  #started = false;

  constructor(node: RpcNode, init: RpcServerInit<M, S>) {
    this.#node = node;
    this.#service = init.service;
    this.#log = node.logger.forComponent(`tessera:rpc:${init.service.name}:server`);
    this.#handlerTimeoutMs = init.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    this.#readTimeoutMs = init.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.#maxConcurrent = init.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS;
    this.#maxInboundStreams = init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS;
    this.#maxQueued = init.maxQueuedNotifications ?? DEFAULT_MAX_QUEUED_NOTIFICATIONS;
  }

  /**
   * Registers the handler of a request or one-way type (replacing any earlier one).
   * @throws {TypeError} when `type` is not a request or one-way type of the service
   */
  handle<K extends RequestName<M> | OneWayName<M>>(type: K, handler: Handler<M, K>): this {
    const def = lookupType(this.#service, type);
    if (def === undefined || def.kind === 'notification') {
      throw new TypeError(`"${type}" is not a request or one-way type of "${this.#service.name}"`);
    }
    // Stored by name; #dispatch passes it only bodies that type's own validator returned.
    this.#handlers.set(type, handler as AnyHandler);
    return this;
  }

  /**
   * Registers the subscribe handler; without one, subscriptions are refused.
   * @throws {TypeError} when the service declares no subscription
   */
  onSubscribe(handler: SubscribeHandler<M, S>): this {
    if (this.#service.subscription === undefined) {
      throw new TypeError(`"${this.#service.name}" declares no subscription`);
    }
    this.#onSubscribe = handler;
    return this;
  }

  /** The live subscriptions. */
  get subscriptions(): ReadonlySet<ServerSubscription<M>> {
    return this.#subscriptions;
  }

  /**
   * Queues a notification to every live subscriber; returns how many accepted it.
   * @throws {TypeError} when `type` is not a notification type of the service
   * @throws {InvalidMessageError} when `body` fails the type's validator
   */
  notifyAll<K extends NotificationName<M>>(type: K, body: BodyOf<M, K>): number {
    let n = 0;
    for (const sub of this.#subscriptions) if (sub.notify(type, body)) n++;
    return n;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopController = new AbortController();
    setMaxListeners(0, this.#stopController.signal); // every session and request listens
    await this.#node.handle(
      this.#service.protocol,
      (stream, connection) => {
        this.#serve(stream, connection).catch((err: unknown) => {
          this.#log.error('stream from %p failed - %e', connection.remotePeer, err);
          stream.abort(asError(err));
        });
      },
      {
        maxInboundStreams: this.#maxInboundStreams,
        maxOutboundStreams: DEFAULT_MAX_OUTBOUND_STREAMS,
      },
    );
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopController.abort(
      new ProtocolError('PROTOCOL_SHUTTING_DOWN', 'Cannot serve: server is stopping'),
    );
    for (const sub of [...this.#subscriptions]) sub.close();
    await this.#node.unhandle(this.#service.protocol);
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const reader = new FrameReader(stream);
    const stop = this.#stopController.signal;
    let first: Header;
    try {
      first = await this.#withReadDeadline((signal) => readHeader(reader, { signal }));
      if (first.kind === 'subscribe') {
        await this.#serveSubscribe(stream, connection, reader, first.id);
        return;
      }
    } catch (err) {
      await this.#fail(stream, 0, err);
      reader.release();
      return;
    }
    const gone = new AbortController();
    setMaxListeners(0, gone.signal);
    const onClose = (): void => gone.abort(new Error('stream closed'));
    stream.addEventListener('close', onClose);
    const session: Session = {
      stream,
      connection,
      reader,
      gone,
      running: new Map(),
      oneWays: new Set(),
      wake: undefined,
    };
    try {
      let header: Header | undefined = first;
      while (header !== undefined && !stop.aborted) {
        await this.#dispatch(session, header);
        while (session.running.size + session.oneWays.size >= this.#maxConcurrent) {
          await new Promise<void>((resolve) => (session.wake = resolve));
        }
        header = (await reader.atEnd({ signal: stop }))
          ? undefined
          : await readHeader(reader, { signal: stop });
      }
      // the client closed its side (or the server stops): finish what runs, then close ours
      while (session.running.size + session.oneWays.size > 0) {
        await new Promise<void>((resolve) => (session.wake = resolve));
      }
      await stream.close();
    } catch (err) {
      const reason: unknown = stop.aborted ? stop.reason : err;
      for (const run of session.running.values()) run.abort(reason);
      await this.#fail(stream, 0, reason);
    } finally {
      stream.removeEventListener('close', onClose);
      reader.release();
    }
  }

  /** Reads what follows `header` and starts its handler (or answers with an error). */
  async #dispatch(session: Session, header: Header): Promise<void> {
    if (header.kind === 'cancel') {
      session.running.get(header.id)?.abort(new AbortedError('Cannot finish request: cancelled'));
      return;
    }
    if (header.kind !== 'request' && header.kind !== 'one-way') {
      throw new InvalidMessageError(
        'header.kind',
        `Invalid message: unexpected "${header.kind}" in a session`,
      );
    }
    const id = header.kind === 'request' ? header.id : undefined;
    const def = lookupType(this.#service, header.type);
    const handler = this.#handlers.get(header.type);
    if (def === undefined || handler === undefined || def.kind !== header.kind) {
      await this.#withReadDeadline((signal) =>
        session.reader.skipFrame(MAX_MESSAGE_BYTES_LIMIT, { signal }),
      );
      this.#refuse(session, id, new UnknownMessageTypeError(header.type, this.#service.name));
      return;
    }
    if (id !== undefined && session.running.has(id)) {
      throw new InvalidMessageError(
        'header.id',
        `Invalid message: request ${id} is already running`,
      );
    }
    let body: unknown;
    try {
      const raw = await this.#withReadDeadline((signal) =>
        session.reader.read(def.maxBytes, { signal }),
      );
      body = def.kind === 'request' ? def.validateRequest(raw) : def.validate(raw);
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        await this.#withReadDeadline((signal) =>
          session.reader.skipFrame(MAX_MESSAGE_BYTES_LIMIT, { signal }),
        );
      } else if (!(err instanceof InvalidMessageError) || err.path === 'frame') {
        throw err; // the frame boundary is lost, or the stream is gone
      }
      this.#refuse(session, id, err);
      return;
    }
    const run = this.#run(session, header.type, def, id, handler, body);
    if (id === undefined) {
      session.oneWays.add(run);
      void run.finally(() => {
        session.oneWays.delete(run);
        this.#wake(session);
      });
    }
  }

  /** Runs one handler and writes its reply or error. Never rejects. */
  async #run(
    session: Session,
    type: string,
    def: MessageType,
    id: number | undefined,
    handler: AnyHandler,
    body: unknown,
  ): Promise<void> {
    const cancel = new AbortController();
    if (id !== undefined) session.running.set(id, cancel);
    const deadline = createDeadline(
      this.#handlerTimeoutMs,
      this.#stopController.signal,
      session.gone.signal,
      cancel.signal,
    );
    const ctx: RequestContext = {
      type,
      peer: session.connection.remotePeer,
      connection: session.connection,
      signal: deadline.signal,
    };
    let bytes: Uint8ArrayList | undefined;
    try {
      const result = await raceAbort(
        Promise.resolve().then(() => handler(body, ctx)),
        deadline.signal,
      );
      if (id !== undefined && def.kind === 'request') {
        try {
          bytes = encodeMessage(
            { kind: 'reply', id },
            { value: def.validateReply(result), maxBytes: def.maxReplyBytes },
          );
        } catch (err) {
          this.#log.error('handler of "%s" returned an invalid reply - %e', type, err);
          throw new ProtocolError(
            'PROTOCOL_INTERNAL_ERROR',
            'Cannot answer request: internal error',
            { cause: err },
          );
        }
      }
    } catch (err) {
      const error: unknown = deadline.expired
        ? new HandlerTimeoutError(type, this.#handlerTimeoutMs)
        : this.#stopController.signal.aborted
          ? this.#stopController.signal.reason
          : err;
      if (id === undefined)
        this.#log('one-way "%s" from %p failed - %e', type, session.connection.remotePeer, error);
      else if (!cancel.signal.aborted && !session.gone.signal.aborted)
        bytes = this.#errorBytes(id, error);
    } finally {
      deadline.dispose();
      if (id !== undefined) session.running.delete(id);
    }
    if (bytes !== undefined) {
      await writeBytes(session.stream, bytes).catch((err: unknown) => {
        this.#log('cannot reply to %p - %e', session.connection.remotePeer, err);
      });
    }
    if (id !== undefined) this.#wake(session);
  }

  #wake(session: Session): void {
    const wake = session.wake;
    session.wake = undefined;
    wake?.();
  }

  /** Answers one request with an error frame (nothing for a one-way message). */
  #refuse(session: Session, id: number | undefined, err: unknown): void {
    this.#log('refusing message from %p - %e', session.connection.remotePeer, err);
    if (id === undefined) return;
    writeBytes(session.stream, this.#errorBytes(id, err)).catch(() => {});
  }

  #errorBytes(id: number, err: unknown): Uint8ArrayList {
    const wire = toWireError(err, this.#service.errorCodes);
    return encodeMessage({ kind: 'error', id, code: wire.code, message: wire.message });
  }

  /** Sends an error frame (best effort), then resets the stream. */
  async #fail(stream: Stream, id: number, err: unknown): Promise<void> {
    this.#log('closing stream - %e', err);
    try {
      await writeBytes(stream, this.#errorBytes(id, err));
      await stream.close();
    } catch {
      // the peer is gone; nothing to tell it
    }
    stream.abort(asError(err));
  }

  /** Runs `read` under the read deadline, turning its expiry into `PROTOCOL_READ_TIMEOUT`. */
  async #withReadDeadline<T>(read: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = createDeadline(this.#readTimeoutMs, this.#stopController.signal);
    try {
      return await read(deadline.signal);
    } catch (err) {
      throw deadline.expired ? new ReadTimeoutError(this.#readTimeoutMs) : err;
    } finally {
      deadline.dispose();
    }
  }

  async #serveSubscribe(
    stream: Stream,
    connection: Connection,
    reader: FrameReader,
    id: number,
  ): Promise<void> {
    const def = this.#service.subscription;
    const onSubscribe = this.#onSubscribe;
    if (def === undefined || onSubscribe === undefined) {
      throw new UnknownMessageTypeError('subscribe', this.#service.name);
    }
    const body = def.validate(
      await this.#withReadDeadline((signal) => reader.read(def.maxBytes, { signal })),
    );
    const sub = new ServerSubscription<M>({
      service: this.#service,
      stream,
      reader,
      peer: connection.remotePeer,
      connection,
      maxQueued: this.#maxQueued,
      log: this.#log,
    });
    await onSubscribe(body, sub);
    this.#subscriptions.add(sub);
    sub.signal.addEventListener('abort', () => this.#subscriptions.delete(sub), { once: true });
    try {
      await sub.run(id);
    } finally {
      reader.release();
    }
  }
}

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The handler still runs to its end: observe its outcome so a rejection is not unhandled.
    promise.catch(() => undefined);
    throw new AbortedError('Cannot run handler: aborted', { cause: signal.reason });
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(new AbortedError('Cannot run handler: aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(e));
      },
    );
  });
}

/**
 * Creates an {@link RpcServer} for `service` on `node`; call `start()` to serve.
 * @example
 * ```ts
 * const server = rpcServer(node, { service: echoService });
 * server.handle('echo', (body) => body);
 * await server.start();
 * ```
 */
export function rpcServer<M extends MessageTypes, S = null>(
  node: RpcNode,
  init: RpcServerInit<M, S>,
): RpcServer<M, S> {
  return new RpcServer(node, init);
}
