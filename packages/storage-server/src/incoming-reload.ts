/**
 * Reloading unclosed uploads at start, and finishing or discarding what a crash interrupted
 * (docs/RELIABILITY.md "Recovery").
 */
import { open, readdir } from 'node:fs/promises';
import { IMMUTABLE_HEADER_SIZE } from './constants.ts';
import { DIRECT_PAGE } from './container-file.ts';
import { detectKind } from './containers.ts';
import { exists, fsyncDir, isNotFound, rmdirIfEmpty, unlinkIfExists } from './fs-util.ts';
import { closeRecords } from './incoming.ts';
import { probeFile } from './share-files.ts';
import { parseSidecar } from './sidecar.ts';
import { bucketKey, nowSeconds, type Bucket, type StoreContext } from './context.ts';
import { parseStorageIndexName } from './layout.ts';

/**
 * Reloads unclosed uploads after a restart and finishes or discards what a crash
 * interrupted (RELIABILITY.md "Recovery"). Each upload gets a fresh grace period.
 */
export async function reloadIncoming(ctx: StoreContext): Promise<void> {
  const root = ctx.layout.incoming;
  for (const prefix of await readdirOrEmpty(root)) {
    const prefixDir = `${root}/${prefix}`;
    for (const siName of await readdirOrEmpty(prefixDir)) {
      const si = parseStorageIndexName(siName);
      if (si === undefined || siName.slice(0, 2) !== prefix) {
        ctx.log.warn(`Ignoring "${prefixDir}/${siName}": not a storage index directory`);
        continue;
      }
      await reloadSiDir(ctx, siName);
      await rmdirIfEmpty(ctx.layout.incomingDir(siName));
    }
    await rmdirIfEmpty(prefixDir);
  }
}

async function reloadSiDir(ctx: StoreContext, siName: string): Promise<void> {
  const dir = ctx.layout.incomingDir(siName);
  const names = await readdirOrEmpty(dir);
  const shareNums = new Set<number>();
  for (const name of names) {
    const m = /^(0|[1-9][0-9]{0,2})(\.state)?(\.tmp)?$/.exec(name);
    const n = m === null ? NaN : Number(m[1]);
    if (m === null || n > 255) {
      ctx.log.warn(`Ignoring "${dir}/${name}": not an upload file`);
    } else if (m[3] !== undefined) {
      await unlinkIfExists(`${dir}/${name}`); // an interrupted sidecar rewrite
    } else {
      shareNums.add(n);
    }
  }
  for (const shareNum of shareNums) {
    const containerPath = ctx.layout.incomingPath(siName, shareNum);
    const sidecarPath = ctx.layout.sidecarPath(siName, shareNum);
    const hasContainer = names.includes(String(shareNum));
    const state = names.includes(`${shareNum}.state`)
      ? await parseSidecar(sidecarPath, siName, shareNum)
      : undefined;
    if (state === undefined) {
      // No (valid) sidecar: the allocation never finished, or the file is damaged.
      await unlinkIfExists(containerPath);
      await unlinkIfExists(sidecarPath);
      continue;
    }
    if (!hasContainer) {
      if (await exists(ctx.layout.sharePath(siName, shareNum))) {
        // Crash after the close's rename, before its journal commit: commit it now.
        const b: Bucket = {
          ...state,
          lastActivitySeconds: 0,
          dirty: false,
          flushTimer: undefined,
          gone: true,
        };
        await ctx.journal.commit(closeRecords(ctx, b));
      }
      await unlinkIfExists(sidecarPath);
      continue;
    }
    if (!(await containerLooksValid(containerPath, state.allocatedSize))) {
      ctx.log.warn(`Discarding upload "${containerPath}": container header is damaged`);
      await unlinkIfExists(containerPath);
      await unlinkIfExists(sidecarPath);
      continue;
    }
    ctx.buckets.set(bucketKey(siName, shareNum), {
      ...state,
      lastActivitySeconds: nowSeconds(ctx),
      dirty: false,
      flushTimer: undefined,
      gone: false,
    });
  }
  await fsyncDir(dir).catch(() => undefined);
}

async function containerLooksValid(path: string, allocatedSize: number): Promise<boolean> {
  const fd = await open(path, 'r');
  try {
    const { probe, size } = await probeFile(fd);
    return (
      detectKind(probe) === 'immutable' &&
      size >= IMMUTABLE_HEADER_SIZE &&
      // Direct writes round the file up to a page; the close cuts it to size.
      size <= IMMUTABLE_HEADER_SIZE + allocatedSize + DIRECT_PAGE
    );
  } finally {
    await fd.close();
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}
