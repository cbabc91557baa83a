/**
 * Side-effect module: installs what current libp2p calls and Node 20 lacks (STYLE §8).
 *
 * ES imports are hoisted, so every entry point and every module that imports libp2p imports
 * this module first: `import '@tessera/protocol/polyfill'` (or `./polyfill.ts` inside this
 * package). It exports nothing.
 *
 * Checked against libp2p 3.3, @libp2p/* and @chainsafe/* (their `dist/src` trees): of the
 * post-Node-20 APIs (`Promise.withResolvers`, `Uint8Array.fromBase64`/`toBase64`/`fromHex`,
 * `Array.fromAsync`, the `Set` algebra methods, `Iterator.from`, `Promise.try`,
 * `Map.groupBy`/`Object.groupBy`, `Symbol.dispose`) only `Promise.withResolvers` is used.
 * @packageDocumentation
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

function withResolvers<T>(): Resolvers<T> {
  let resolve: Resolvers<T>['resolve'] = () => {};
  let reject: Resolvers<T>['reject'] = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

if (typeof Reflect.get(Promise, 'withResolvers') !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: withResolvers,
  });
}

export {};
