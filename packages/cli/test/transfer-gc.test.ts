import { describe, expect, it, vi } from 'vitest';
import {
  TRANSFER_GARBAGE_BYTES,
  TRANSFER_GC_CHECK_MS,
  TransferCollector,
  collectDuringTransfer,
} from '../src/transfer-gc.ts';

const MiB = 1024 * 1024;

describe('TransferCollector', () => {
  it('collects once ArrayBuffer memory grew by the limit over its lowest reading', () => {
    let memory = 10 * MiB;
    let collections = 0;
    const c = new TransferCollector({
      arrayBuffers: () => memory,
      collect: () => collections++,
    });
    memory = 5 * MiB; // a lower reading becomes the floor
    expect(c.check()).toBe(false);
    memory = 5 * MiB + TRANSFER_GARBAGE_BYTES - 1;
    expect(c.check()).toBe(false);
    memory = 5 * MiB + TRANSFER_GARBAGE_BYTES;
    expect(c.check()).toBe(true);
    expect(collections).toBe(1);
    // The reading after a collection only sets the floor (the freeing happens after it).
    memory = 6 * MiB + TRANSFER_GARBAGE_BYTES;
    expect(c.check()).toBe(false);
    memory = 6 * MiB + 2 * TRANSFER_GARBAGE_BYTES - 1;
    expect(c.check()).toBe(false);
    memory = 6 * MiB + 2 * TRANSFER_GARBAGE_BYTES;
    expect(c.check()).toBe(true);
    expect(collections).toBe(2);
  });

  it('never collects while memory stays flat', () => {
    let collections = 0;
    const c = new TransferCollector({ arrayBuffers: () => 50 * MiB, collect: () => collections++ });
    for (let i = 0; i < 100; i++) expect(c.check()).toBe(false);
    expect(collections).toBe(0);
  });
});

describe('collectDuringTransfer', () => {
  it('runs one timer while any transfer holds it, and none after the last lets go', () => {
    vi.useFakeTimers();
    try {
      const before = vi.getTimerCount();
      const first = collectDuringTransfer();
      const second = collectDuringTransfer();
      expect(vi.getTimerCount()).toBe(before + 1);
      first();
      first(); // releasing twice counts once
      expect(vi.getTimerCount()).toBe(before + 1);
      vi.advanceTimersByTime(3 * TRANSFER_GC_CHECK_MS); // checks run without failing
      second();
      expect(vi.getTimerCount()).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });
});
