/**
 * The message envelope and the registry in which a service declares its message types.
 *
 * On a stream every message is a header frame (a small map, capped at `MAX_HEADER_BYTES`)
 * followed, for kinds that carry one, by a body frame capped by the message type's `maxBytes`.
 * The cap is known from the header before the body arrives (docs/PROTOCOL.md §3).
 * @packageDocumentation
 */
import {
  MAX_ERROR_CODE_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_MESSAGE_BYTES_LIMIT,
  MAX_TYPE_NAME_LENGTH,
} from './constants.ts';
import { InvalidMessageError, isWireErrorCode } from './errors.ts';
import { expectObject, expectOneOf, expectString, expectUint, field } from './validate.ts';

/** A request type: the client sends a body and waits for exactly one reply or error. */
export interface RequestType<Req, Rep> {
  readonly kind: 'request';
  /** Cap of the request body frame, bytes. */
  readonly maxBytes: number;
  /** Cap of the reply body frame, bytes. */
  readonly maxReplyBytes: number;
  readonly validateRequest: (value: unknown) => Req;
  readonly validateReply: (value: unknown) => Rep;
}

/** A one-way message: the client sends a body; no reply, no error comes back. */
export interface OneWayType<B> {
  readonly kind: 'one-way';
  readonly maxBytes: number;
  readonly validate: (value: unknown) => B;
}

/** A notification: the server pushes a body to a subscribed client. */
export interface NotificationType<B> {
  readonly kind: 'notification';
  readonly maxBytes: number;
  readonly validate: (value: unknown) => B;
}

/** The body a client sends to subscribe to a service's notifications. */
export interface SubscriptionType<B> {
  readonly maxBytes: number;
  readonly validate: (value: unknown) => B;
}

/** Any message type. */
export type MessageType =
  RequestType<unknown, unknown> | OneWayType<unknown> | NotificationType<unknown>;

/** A service's message types by name. */
export type MessageTypes = Readonly<Record<string, MessageType>>;

/** Names of the request types of `M`. */
export type RequestName<M extends MessageTypes> = {
  [K in keyof M & string]: M[K] extends { kind: 'request' } ? K : never;
}[keyof M & string];

/** Names of the one-way message types of `M`. */
export type OneWayName<M extends MessageTypes> = {
  [K in keyof M & string]: M[K] extends { kind: 'one-way' } ? K : never;
}[keyof M & string];

/** Names of the notification types of `M`. */
export type NotificationName<M extends MessageTypes> = {
  [K in keyof M & string]: M[K] extends { kind: 'notification' } ? K : never;
}[keyof M & string];

/** The validated body of message type `K` (request, one-way or notification). */
export type BodyOf<M extends MessageTypes, K extends keyof M> =
  M[K] extends RequestType<infer Q, unknown>
    ? Q
    : M[K] extends OneWayType<infer B>
      ? B
      : M[K] extends NotificationType<infer N>
        ? N
        : never;

/** The validated reply of request type `K`. */
export type ReplyOf<M extends MessageTypes, K extends keyof M> =
  M[K] extends RequestType<unknown, infer R> ? R : never;

/** A received notification: a discriminated union over the service's notification types. */
export type Notification<M extends MessageTypes> = {
  [K in NotificationName<M>]: { type: K; body: BodyOf<M, K> };
}[NotificationName<M>];

/** A service: its protocol id, message types, subscription body and wire error codes. */
export interface Service<M extends MessageTypes, S = null> {
  readonly name: string;
  readonly protocol: string;
  readonly messages: M;
  readonly subscription: SubscriptionType<S> | undefined;
  /** The service's own wire error codes (beyond the protocol's), documented in PROTOCOL.md. */
  readonly errorCodes: ReadonlySet<string>;
}

/** What {@link defineService} takes. */
export interface ServiceInit<M extends MessageTypes, S> {
  name: string;
  protocol: string;
  messages: M;
  subscription?: SubscriptionType<S>;
  errorCodes?: readonly string[];
}

const TYPE_NAME = /^[a-z][a-z0-9-]*$/;

function checkCap(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MESSAGE_BYTES_LIMIT) {
    throw new RangeError(
      `Cannot define ${what}: cap ${n} is not in [1, ${MAX_MESSAGE_BYTES_LIMIT}]`,
    );
  }
}

/**
 * Declares a service. Checks names, caps and codes once, at definition time.
 * @throws {RangeError} for a bad type name, cap or error code
 * @example
 * ```ts
 * const echo = defineService({
 *   name: 'echo',
 *   protocol: protocolId('echo', '1.0.0'),
 *   messages: {
 *     echo: requestType({ maxBytes: 1024, maxReplyBytes: 1024, validateRequest: validateText, validateReply: validateText }),
 *   },
 * });
 * ```
 */
export function defineService<M extends MessageTypes, S = null>(
  init: ServiceInit<M, S>,
): Service<M, S> {
  for (const [name, type] of Object.entries(init.messages)) {
    if (name.length > MAX_TYPE_NAME_LENGTH || !TYPE_NAME.test(name)) {
      throw new RangeError(
        `Cannot define service "${init.name}": type name "${name}" is not kebab-case`,
      );
    }
    checkCap(`"${name}"`, type.maxBytes);
    if (type.kind === 'request') checkCap(`"${name}" reply`, type.maxReplyBytes);
  }
  if (init.subscription !== undefined) checkCap('subscription', init.subscription.maxBytes);
  for (const code of init.errorCodes ?? []) {
    if (!isWireErrorCode(code)) {
      throw new RangeError(
        `Cannot define service "${init.name}": error code "${code}" is not SCREAMING_SNAKE`,
      );
    }
  }
  return Object.freeze({
    name: init.name,
    protocol: init.protocol,
    messages: init.messages,
    subscription: init.subscription,
    errorCodes: new Set(init.errorCodes ?? []),
  });
}

/** Declares a request type. */
export function requestType<Req, Rep>(
  init: Omit<RequestType<Req, Rep>, 'kind'>,
): RequestType<Req, Rep> {
  return { kind: 'request', ...init };
}

/** Declares a one-way message type. */
export function oneWayType<B>(init: Omit<OneWayType<B>, 'kind'>): OneWayType<B> {
  return { kind: 'one-way', ...init };
}

/** Declares a notification type. */
export function notificationType<B>(init: Omit<NotificationType<B>, 'kind'>): NotificationType<B> {
  return { kind: 'notification', ...init };
}

/** The header frame that starts every message on a stream (docs/PROTOCOL.md §3). */
export type Header =
  | { kind: 'request'; id: number; type: string }
  | { kind: 'one-way'; type: string }
  | { kind: 'subscribe'; id: number }
  | { kind: 'reply'; id: number }
  | { kind: 'error'; id: number; code: string; message: string }
  | { kind: 'cancel'; id: number }
  | { kind: 'subscribed'; id: number }
  | { kind: 'notification'; type: string };

const KINDS = [
  'request',
  'one-way',
  'subscribe',
  'reply',
  'error',
  'cancel',
  'subscribed',
  'notification',
] as const;

/** True when a header of this kind is followed by a body frame. */
export function hasBody(header: Header): boolean {
  return header.kind !== 'error' && header.kind !== 'cancel' && header.kind !== 'subscribed';
}

function typeName(o: Record<string, unknown>): string {
  return expectString(field(o, 'type'), 'header.type', {
    minLength: 1,
    maxLength: MAX_TYPE_NAME_LENGTH,
    pattern: TYPE_NAME,
  });
}

function requestId(o: Record<string, unknown>): number {
  return expectUint(field(o, 'id'), 'header.id');
}

/**
 * Validates a decoded header frame.
 * @throws {InvalidMessageError} `PROTOCOL_INVALID_MESSAGE`
 */
export function validateHeader(value: unknown): Header {
  const o = expectObject(value, 'header');
  const kind = expectOneOf(field(o, 'kind'), 'header.kind', KINDS);
  switch (kind) {
    case 'request':
      return { kind, id: requestId(o), type: typeName(o) };
    case 'one-way':
    case 'notification':
      return { kind, type: typeName(o) };
    case 'subscribe':
    case 'reply':
    case 'cancel':
    case 'subscribed':
      return { kind, id: requestId(o) };
    case 'error': {
      const code = expectString(field(o, 'code'), 'header.code', {
        minLength: 1,
        maxLength: MAX_ERROR_CODE_LENGTH,
      });
      if (!isWireErrorCode(code)) {
        throw new InvalidMessageError(
          'header.code',
          'Invalid message: header.code is not SCREAMING_SNAKE',
        );
      }
      const message = expectString(field(o, 'message'), 'header.message', {
        maxLength: MAX_ERROR_MESSAGE_LENGTH,
      });
      return { kind, id: requestId(o), code, message };
    }
  }
}

// The registry maps runtime names to definitions; TypeScript cannot follow a runtime name
// through the mapped types above, so the three lookups below give a definition its static type
// after checking its kind. They cast definitions, never decoded data: values still reach callers
// only through the definition's own validator.

/**
 * The definition of request type `type`.
 * @throws {TypeError} when `type` is not a request type of the service
 */
export function requestDef<M extends MessageTypes, K extends RequestName<M>>(
  service: Service<M, unknown>,
  type: K,
): RequestType<BodyOf<M, K>, ReplyOf<M, K>> {
  const def: MessageType | undefined = Object.hasOwn(service.messages, type)
    ? service.messages[type]
    : undefined;
  if (def?.kind !== 'request')
    throw new TypeError(`"${type}" is not a request type of "${service.name}"`);
  return def as RequestType<BodyOf<M, K>, ReplyOf<M, K>>;
}

/**
 * The definition of one-way type `type`.
 * @throws {TypeError} when `type` is not a one-way type of the service
 */
export function oneWayDef<M extends MessageTypes, K extends OneWayName<M>>(
  service: Service<M, unknown>,
  type: K,
): OneWayType<BodyOf<M, K>> {
  const def: MessageType | undefined = Object.hasOwn(service.messages, type)
    ? service.messages[type]
    : undefined;
  if (def?.kind !== 'one-way')
    throw new TypeError(`"${type}" is not a one-way type of "${service.name}"`);
  return def as OneWayType<BodyOf<M, K>>;
}

/**
 * The definition of notification type `type`.
 * @throws {TypeError} when `type` is not a notification type of the service
 */
export function notificationDef<M extends MessageTypes, K extends NotificationName<M>>(
  service: Service<M, unknown>,
  type: K,
): NotificationType<BodyOf<M, K>> {
  const def: MessageType | undefined = Object.hasOwn(service.messages, type)
    ? service.messages[type]
    : undefined;
  if (def?.kind !== 'notification') {
    throw new TypeError(`"${type}" is not a notification type of "${service.name}"`);
  }
  return def as NotificationType<BodyOf<M, K>>;
}

/** The definition of a received type name, whatever its kind; `undefined` when unknown. */
export function lookupType(
  service: Service<MessageTypes, unknown>,
  type: string,
): MessageType | undefined {
  return Object.hasOwn(service.messages, type) ? service.messages[type] : undefined;
}

/**
 * A received notification, validated by its type's validator, as the service's union type.
 * @throws {InvalidMessageError} from the type's validator
 */
export function validateNotification<M extends MessageTypes>(
  service: Service<M, unknown>,
  type: string,
  value: unknown,
): Notification<M> | undefined {
  const def = lookupType(service, type);
  if (def?.kind !== 'notification') return undefined;
  const body = def.validate(value);
  return { type, body } as Notification<M>;
}
