/**
 * Corruption advisories (Tahoe §3.2 `advise_corrupt_share`): a client that found a bad share
 * tells the server, which writes a text report under `corruption-advisories/` for the
 * operator, if it holds that share and has room. Reports are never read back by the store.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ReadOnlyError } from './errors.ts';
import { ensureDir } from './fs-util.ts';
import { probeKind } from './share-files.ts';
import { availableFrom, freeDiskBytes } from './space.ts';
import type { StoreContext } from './context.ts';

export async function adviseCorruptShare(
  ctx: StoreContext,
  siName: string,
  shareNum: number,
  reason: string,
): Promise<boolean> {
  if (ctx.config.readOnly)
    throw new ReadOnlyError('Cannot record a corruption advisory: the store is read-only');
  const kind = await probeKind(ctx.layout.sharePath(siName, shareNum));
  if (kind === undefined) {
    ctx.log.info(
      `Discarding corruption advisory for share ${shareNum} of "${siName}": no such share`,
    );
    return false;
  }
  const report =
    `report: Share Corruption\ntype: ${kind}\nstorage_index: ${siName}\nshare_number: ${shareNum}\n\n` +
    `${reason}\n\n`;
  const bytes = Buffer.from(report, 'utf8');
  // Tahoe ≥1.17: reports too count against the reserved space.
  if (bytes.length > availableFrom(ctx, await freeDiskBytes(ctx))) return false;
  ctx.log.warn(`Client reports corruption in share ${shareNum} of "${siName}"`);
  await ensureDir(ctx.layout.advisories);
  const now = new Date(ctx.config.clock()).toISOString().replace(/:/g, '');
  const base = `${now}--${siName}-${shareNum}`;
  for (let n = 0; ; n++) {
    const name = n === 0 ? base : `${base}.${n}`;
    try {
      const fd = await open(join(ctx.layout.advisories, name), 'wx');
      try {
        await fd.writeFile(bytes);
      } finally {
        await fd.close();
      }
      return true;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EEXIST' || n >= 1000) throw e;
    }
  }
}
