/**
 * Slot subscriptions: which subscriber watches which storage index, and the fan-out of the
 * store's slot changes to them as `slot-changed` notifications.
 */
import type { ServerSubscription, StorageMessages } from '@tessera/protocol';
import type { Log } from '../logger.ts';
import type { SlotChange } from '../types.ts';

type Subscriber = ServerSubscription<StorageMessages>;

function key(storageIndex: Uint8Array): string {
  return Buffer.from(
    storageIndex.buffer,
    storageIndex.byteOffset,
    storageIndex.byteLength,
  ).toString('hex');
}

/** The subscribers of each watched storage index. */
export class SlotWatchers {
  readonly #bySlot = new Map<string, Set<Subscriber>>();
  readonly #subscribers = new Set<Subscriber>();
  readonly #log: Log;

  constructor(log: Log) {
    this.#log = log;
  }

  /** Subscribers currently registered. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Registers `sub` for `storageIndexes` until its subscription ends. */
  add(sub: Subscriber, storageIndexes: readonly Uint8Array[]): void {
    const keys = [...new Set(storageIndexes.map(key))];
    for (const k of keys) {
      let set = this.#bySlot.get(k);
      if (set === undefined) this.#bySlot.set(k, (set = new Set()));
      set.add(sub);
    }
    this.#subscribers.add(sub);
    const remove = (): void => {
      this.#subscribers.delete(sub);
      for (const k of keys) {
        const set = this.#bySlot.get(k);
        set?.delete(sub);
        if (set?.size === 0) this.#bySlot.delete(k);
      }
    };
    if (sub.signal.aborted) remove();
    else sub.signal.addEventListener('abort', remove, { once: true });
  }

  /** Queues a `slot-changed` notification to every subscriber of the changed slot. */
  notify(change: SlotChange): void {
    const set = this.#bySlot.get(key(change.storageIndex));
    if (set === undefined) return;
    const body = {
      storageIndex: change.storageIndex,
      shareNum: change.shareNum,
      seqnum: change.seqnum,
      rootHash: change.rootHash,
    };
    for (const sub of [...set]) {
      try {
        sub.notify('slot-changed', body);
      } catch (err) {
        this.#log.warn(`Cannot notify a slot subscriber: ${String(err)}`);
      }
    }
  }
}
