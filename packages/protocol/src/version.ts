/**
 * The version exchange every Tessera connection starts with (`/tessera/version/1.0.0`).
 *
 * The dialer sends its {@link VersionInfo} as a `hello` request; the listener answers with its
 * own. Each side then decides on its own whether it can talk to the other: the exchange itself
 * never fails over a version, so a newer peer may still choose to speak an older protocol.
 * A peer whose major version differs is incompatible: the dialer's `exchange()` throws
 * {@link IncompatibleVersionError} (`PROTOCOL_INCOMPATIBLE_VERSION`) and the listener calls
 * `onIncompatible`.
 * @packageDocumentation
 */
import './polyfill.ts';
import type { Connection, DialTarget, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface';
import { DEFAULT_VERSION_TIMEOUT_MS } from './constants.ts';
import { IncompatibleVersionError, VersionTimeoutError } from './errors.ts';
import { defineService, requestType } from './messages.ts';
import { VERSION_PROTOCOL } from './protocol-ids.ts';
import { RpcClient, isConnection } from './rpc-client.ts';
import { RpcServer } from './rpc-server.ts';
import {
  expectArrayOf,
  expectBoolean,
  expectObject,
  expectString,
  expectUint,
  field,
} from './validate.ts';

/** What each side of a connection tells the other (docs/PROTOCOL.md §5). */
export interface VersionInfo {
  /** Tessera protocol version, `MAJOR.MINOR`. */
  protocolVersion: string;
  /** Largest immutable share this node accepts, bytes (0 for a node that stores nothing). */
  maxImmutableShareSize: number;
  /** Bytes this node can still store. */
  availableSpace: number;
  /** True when this node accepts no new shares. */
  readOnly: boolean;
  /** Optional capabilities, kebab-case names. */
  features: string[];
  /** Free-form software name and version, e.g. `tessera/0.1.0`. */
  appVersion: string;
}

const VERSION = /^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$/;
const FEATURE = /^[a-z][a-z0-9-]*$/;

/**
 * Validates a decoded {@link VersionInfo}.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateVersionInfo(value: unknown): VersionInfo {
  const o = expectObject(value, 'body');
  return {
    protocolVersion: expectString(field(o, 'protocolVersion'), 'body.protocolVersion', {
      maxLength: 13,
      pattern: VERSION,
    }),
    maxImmutableShareSize: expectUint(
      field(o, 'maxImmutableShareSize'),
      'body.maxImmutableShareSize',
    ),
    availableSpace: expectUint(field(o, 'availableSpace'), 'body.availableSpace'),
    readOnly: expectBoolean(field(o, 'readOnly'), 'body.readOnly'),
    features: expectArrayOf(
      field(o, 'features'),
      'body.features',
      (v, path) => expectString(v, path, { minLength: 1, maxLength: 64, pattern: FEATURE }),
      { maxLength: 64 },
    ),
    appVersion: expectString(field(o, 'appVersion'), 'body.appVersion', { maxLength: 128 }),
  };
}

/** The major version of a `MAJOR.MINOR` string. */
function major(version: string): string {
  return version.split('.')[0] ?? version;
}

/** True when two `MAJOR.MINOR` versions can talk (same major). */
export function isCompatibleVersion(local: string, remote: string): boolean {
  return major(local) === major(remote);
}

/** The version service: one request type, `hello`. */
export const versionService = defineService({
  name: 'version',
  protocol: VERSION_PROTOCOL,
  messages: {
    hello: requestType({
      maxBytes: 4096,
      maxReplyBytes: 4096,
      validateRequest: validateVersionInfo,
      validateReply: validateVersionInfo,
    }),
  },
});

/** The part of a libp2p node the version exchange uses. */
export type VersionNode = Pick<
  Libp2p,
  'handle' | 'unhandle' | 'dial' | 'logger' | 'addEventListener' | 'removeEventListener'
>;

/** Options of {@link versionExchange}. */
export interface VersionExchangeInit {
  /** This node's info, or a function giving the current one (available space changes). */
  local: VersionInfo | (() => VersionInfo | Promise<VersionInfo>);
  /** Deadline of one exchange (`PROTOCOL_VERSION_TIMEOUT`). */
  timeoutMs?: number;
  /** Run the exchange on every new outbound connection (default true). */
  onConnect?: boolean;
  /** Called when either side finds the peer incompatible; defaults to logging. */
  onIncompatible?: (peer: PeerId, error: IncompatibleVersionError) => void;
}

/**
 * Serves this node's version info and learns peers'. Startable. Results are cached per
 * connection; `exchange(peer)` runs at most one exchange per connection unless `refresh`.
 */
export class VersionExchange implements Startable {
  readonly #node: VersionNode;
  readonly #init: VersionExchangeInit;
  readonly #log: Logger;
  readonly #server: RpcServer<(typeof versionService)['messages']>;
  readonly #byConnection = new WeakMap<Connection, Promise<VersionInfo>>();
  readonly #latest = new Map<string, VersionInfo>();
  #started = false;

  constructor(node: VersionNode, init: VersionExchangeInit) {
    this.#node = node;
    this.#init = init;
    this.#log = node.logger.forComponent('tessera:version');
    this.#server = new RpcServer(node, {
      service: versionService,
      handlerTimeoutMs: init.timeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS,
    });
    this.#server.handle('hello', async (remote, ctx) => {
      const local = await this.#local();
      this.#learn(ctx.peer, remote, local.protocolVersion);
      return local;
    });
  }

  /** The last version info learned from `peer`, either side of the exchange. */
  remote(peer: PeerId): VersionInfo | undefined {
    return this.#latest.get(peer.toString());
  }

  /**
   * Exchanges version info with `peer` (once per connection unless `refresh`).
   * @throws {IncompatibleVersionError} `PROTOCOL_INCOMPATIBLE_VERSION`
   * @throws {VersionTimeoutError} `PROTOCOL_VERSION_TIMEOUT`
   * @throws the dial, connection and message errors of {@link RpcClient.request}
   * @example
   * ```ts
   * const info = await versions.exchange(serverPeerId, { signal });
   * if (info.readOnly) skip(server);
   * ```
   */
  async exchange(
    peer: DialTarget | Connection,
    options: { signal?: AbortSignal; refresh?: boolean } = {},
  ): Promise<VersionInfo> {
    const connection = isConnection(peer)
      ? peer
      : await this.#node.dial(peer, { signal: options.signal });
    let pending = options.refresh === true ? undefined : this.#byConnection.get(connection);
    if (pending === undefined) {
      pending = this.#run(connection, options.signal);
      this.#byConnection.set(connection, pending);
      pending.catch(() => this.#byConnection.delete(connection));
    }
    return pending;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#server.start();
    if (this.#init.onConnect !== false)
      this.#node.addEventListener('connection:open', this.#onConnection);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#node.removeEventListener('connection:open', this.#onConnection);
    await this.#server.stop();
  }

  readonly #onConnection = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail;
    if (connection.direction !== 'outbound') return;
    this.exchange(connection).catch((err: unknown) => {
      this.#log('version exchange with %p failed - %e', connection.remotePeer, err);
    });
  };

  async #local(): Promise<VersionInfo> {
    const local = this.#init.local;
    return typeof local === 'function' ? local() : local;
  }

  #learn(peer: PeerId, remote: VersionInfo, local: string): IncompatibleVersionError | undefined {
    this.#latest.set(peer.toString(), remote);
    if (isCompatibleVersion(local, remote.protocolVersion)) return undefined;
    const err = new IncompatibleVersionError(local, remote.protocolVersion);
    if (this.#init.onIncompatible !== undefined) this.#init.onIncompatible(peer, err);
    else this.#log.error('peer %p is incompatible - %s', peer, err.message);
    return err;
  }

  async #run(connection: Connection, signal: AbortSignal | undefined): Promise<VersionInfo> {
    const timeoutMs = this.#init.timeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS;
    const client = new RpcClient(this.#node, connection, { service: versionService, timeoutMs });
    const local = await this.#local();
    let remote: VersionInfo;
    try {
      remote = await client.request('hello', local, { signal });
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'PROTOCOL_REQUEST_TIMEOUT') {
        throw new VersionTimeoutError(timeoutMs);
      }
      throw err;
    } finally {
      await client.close();
    }
    const incompatible = this.#learn(connection.remotePeer, remote, local.protocolVersion);
    if (incompatible !== undefined) throw incompatible;
    return remote;
  }
}

/**
 * Creates a {@link VersionExchange}; call `start()` to serve and to exchange on connect.
 * @example
 * ```ts
 * const versions = versionExchange(node, { local: () => ({ ...info, availableSpace: free() }) });
 * await versions.start();
 * ```
 */
export function versionExchange(node: VersionNode, init: VersionExchangeInit): VersionExchange {
  return new VersionExchange(node, init);
}
