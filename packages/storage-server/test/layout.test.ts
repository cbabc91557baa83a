import { describe, expect, it } from 'vitest';
import {
  createLayout,
  parseShareFileName,
  parseStorageIndexName,
  storageIndexName,
} from '../src/layout.ts';

describe('layout', () => {
  it('names storage-index directories by base32 (Tahoe §3.1)', () => {
    const si = parseStorageIndexName('vrttmwlicrzbt7gh5qsooogr7u'); // the §3.3 example
    expect(si?.length).toBe(16);
    expect(storageIndexName(si!)).toBe('vrttmwlicrzbt7gh5qsooogr7u');
    const layout = createLayout('/s');
    expect(layout.sharePath('vrttmwlicrzbt7gh5qsooogr7u', 3)).toBe(
      '/s/shares/vr/vrttmwlicrzbt7gh5qsooogr7u/3',
    );
    expect(layout.incomingPath('vrttmwlicrzbt7gh5qsooogr7u', 3)).toBe(
      '/s/shares/incoming/vr/vrttmwlicrzbt7gh5qsooogr7u/3',
    );
  });

  it('refuses names that are not canonical', () => {
    for (const bad of [
      'vrttmwlicrzbt7gh5qsooogr7v',
      'VRTTMWLICRZBT7GH5QSOOOGR7U',
      'vrttmwlicrzbt7gh5qsooogr7',
      '../tmwlicrzbt7gh5qsooogr7u',
    ]) {
      expect(parseStorageIndexName(bad)).toBeUndefined();
    }
    expect(['0', '7', '255'].map(parseShareFileName)).toEqual([0, 7, 255]);
    expect(['256', '007', '-1', '1.state', ''].map(parseShareFileName)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
