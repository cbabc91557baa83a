/**
 * Building blocks for hand-written message validators (STYLE §5). A validator takes the
 * `unknown` that msgpack decoding produced and returns a typed value or throws
 * {@link InvalidMessageError}; nothing here casts decoded data.
 *
 * Decoded MessagePack maps are plain objects (msgpackr `mapsAsObjects`); unknown keys are
 * ignored, so a later minor version may add optional fields. `nil` and a missing key both count
 * as absent for optional fields.
 * @example
 * ```ts
 * function validateHello(v: unknown): Hello {
 *   const o = expectObject(v, 'body');
 *   return { name: expectString(o.name, 'body.name', { maxLength: 64 }) };
 * }
 * ```
 * @packageDocumentation
 */
import { InvalidMessageError } from './errors.ts';

/** A hand-written validator: a typed value, or {@link InvalidMessageError}. */
export type Validator<T> = (value: unknown, path: string) => T;

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new InvalidMessageError(
    path,
    `Invalid message: ${path} must be ${expected}, got ${describe(value)}`,
  );
}

/** True for a plain object as msgpack decoding makes one (not an array, bytes or class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A MessagePack map, as a record of its own properties. */
export function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, 'a map', value);
  return value;
}

/** The value of an own property of a decoded map (`undefined` when absent). */
export function field(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Options for {@link expectString}. */
export interface StringOptions {
  minLength?: number;
  maxLength: number;
  pattern?: RegExp;
}

/** A string within `[minLength, maxLength]` UTF-16 units, matching `pattern` when given. */
export function expectString(value: unknown, path: string, options: StringOptions): string {
  if (typeof value !== 'string') fail(path, 'a string', value);
  const min = options.minLength ?? 0;
  if (value.length < min || value.length > options.maxLength) {
    throw new InvalidMessageError(
      path,
      `Invalid message: ${path} must be ${min} to ${options.maxLength} characters, got ${value.length}`,
    );
  }
  if (options.pattern !== undefined && !options.pattern.test(value)) {
    throw new InvalidMessageError(
      path,
      `Invalid message: ${path} does not match ${String(options.pattern)}`,
    );
  }
  return value;
}

/** Options for {@link expectUint}. */
export interface UintOptions {
  min?: number;
  max?: number;
}

/**
 * A non-negative safe integer in `[min, max]`. A 64-bit MessagePack integer (decoded as a
 * bigint) is accepted when it fits.
 */
export function expectUint(value: unknown, path: string, options: UintOptions = {}): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    n = Number(value);
  } else fail(path, 'a non-negative integer', value);
  if (!Number.isSafeInteger(n) || n < 0) fail(path, 'a non-negative integer', value);
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  if (n < min || n > max) {
    throw new InvalidMessageError(
      path,
      `Invalid message: ${path} must be in [${min}, ${max}], got ${n}`,
    );
  }
  return n;
}

/** A boolean. */
export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'a boolean', value);
  return value;
}

/** Options for {@link expectBytes}: an exact `length`, or a `maxLength`. */
export type BytesOptions = { length: number } | { minLength?: number; maxLength: number };

/** MessagePack `bin` bytes of an exact length or within a maximum. */
export function expectBytes(value: unknown, path: string, options: BytesOptions): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(path, 'bytes', value);
  if ('length' in options) {
    if (value.length !== options.length) {
      throw new InvalidMessageError(
        path,
        `Invalid message: ${path} must be ${options.length} bytes, got ${value.length}`,
      );
    }
  } else {
    const min = options.minLength ?? 0;
    if (value.length < min || value.length > options.maxLength) {
      throw new InvalidMessageError(
        path,
        `Invalid message: ${path} must be ${min} to ${options.maxLength} bytes, got ${value.length}`,
      );
    }
  }
  return value;
}

/** An array of at most `maxLength` items, each checked by `item`. */
export function expectArrayOf<T>(
  value: unknown,
  path: string,
  item: Validator<T>,
  options: { minLength?: number; maxLength: number },
): T[] {
  if (!Array.isArray(value)) fail(path, 'an array', value);
  const min = options.minLength ?? 0;
  if (value.length < min || value.length > options.maxLength) {
    throw new InvalidMessageError(
      path,
      `Invalid message: ${path} must have ${min} to ${options.maxLength} items, got ${value.length}`,
    );
  }
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) out.push(item(value[i], `${path}[${i}]`));
  return out;
}

/** One of a fixed set of string literals. */
export function expectOneOf<const T extends string>(
  value: unknown,
  path: string,
  options: readonly T[],
): T {
  for (const option of options) if (value === option) return option;
  throw new InvalidMessageError(
    path,
    `Invalid message: ${path} must be one of ${options.map((o) => `"${o}"`).join(', ')}`,
  );
}

/** `undefined` when `value` is absent or nil, else `validator(value)`. */
export function expectOptional<T>(
  value: unknown,
  path: string,
  validator: Validator<T>,
): T | undefined {
  return value === undefined || value === null ? undefined : validator(value, path);
}

/** `nil` (MessagePack's null); for empty bodies. */
export function expectNil(value: unknown, path: string): null {
  if (value !== null && value !== undefined) fail(path, 'nil', value);
  return null;
}
