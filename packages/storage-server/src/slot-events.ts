/**
 * Change notifications for mutable slots: after a successful write the store tells its
 * listeners the new seqnum and root hash of each changed share, parsed from the SDMF/MDMF
 * prefix (Tahoe §5.2, §5.3: version byte 0 or 1, seqnum as uint64 BE at 1, root hash at
 * 9..41), so the protocol layer can push them to subscribers.
 */
import type { Log } from './logger.ts';
import type { SlotChange, SlotChangeListener } from './types.ts';

/** Bytes of share data needed to parse the prefix. */
export const SLOT_PREFIX_LENGTH = 41;

/** The seqnum and root hash of SDMF/MDMF share bytes, or `undefined` if they are neither. */
export function parseSlotPrefix(
  data: Uint8Array,
): { seqnum: bigint; rootHash: Uint8Array } | undefined {
  if (data.length < SLOT_PREFIX_LENGTH || (data[0] !== 0 && data[0] !== 1)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { seqnum: view.getBigUint64(1), rootHash: data.slice(9, SLOT_PREFIX_LENGTH) };
}

export interface SlotEvents {
  on(listener: SlotChangeListener): () => void;
  emit(change: SlotChange): void;
}

export function createSlotEvents(log: Log): SlotEvents {
  const listeners = new Set<SlotChangeListener>();
  return {
    on(listener) {
      // Wrapped, so the same function can subscribe twice and unsubscribe each on its own.
      const entry: SlotChangeListener = (c) => listener(c);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    emit(change) {
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (e) {
          log.warn(`A slot change listener threw: ${String(e)}`);
        }
      }
    },
  };
}
