import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('kernel-wasm-bytes.ts', () => {
  it('is what wasm/kernel.wat compiles to (npm run gen:wasm)', () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    // Exits 1 with a message on stderr when the checked-in bytes drifted from the source.
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe', timeout: 30_000 }),
    ).not.toThrow();
  });
});
