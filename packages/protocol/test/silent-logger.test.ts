import { describe, expect, it } from 'vitest';
import { defaultComponentLogger, silentComponentLogger } from '../src/silent-logger.ts';

describe('defaultComponentLogger', () => {
  it('is silent unless DEBUG asks for output', () => {
    expect(defaultComponentLogger({})).toBe(silentComponentLogger);
    expect(defaultComponentLogger({ DEBUG: '' })).toBe(silentComponentLogger);
    expect(defaultComponentLogger({ DEBUG: 'libp2p:*' })).toBeUndefined();
  });

  it('gives loggers that are disabled all the way down', () => {
    const log = silentComponentLogger.forComponent('libp2p:tcp');
    expect(log.enabled).toBe(false);
    expect(log('x %s', 1)).toBeUndefined();
    expect(log.error('boom')).toBeUndefined();
    const scoped = log.newScope('conn');
    expect(scoped.enabled).toBe(false);
    expect(scoped.newScope('stream').enabled).toBe(false);
  });
});
