/** `tessera put [LOCAL|-]`: upload a file, print its cap (CLI.md "Files"). */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { uploadImmutable } from '@tessera/client';
import { fileSource, type ByteSource } from '@tessera/immutable';
import type { Command } from '../command.ts';
import { openClient, uploadEncoding } from '../client-context.ts';
import { CliError, describeFsError, UsageError } from '../errors.ts';
import { openProgress } from '../progress.ts';
import { collectDuringTransfer } from '../transfer-gc.ts';

/** How long `put` waits for the introducer to name `happy` servers when none are cached. */
const SERVER_WAIT_MS = 10_000;

export const put: Command = {
  name: 'put',
  summary: 'Upload a file and print its cap',
  usage: 'tessera put [LOCAL|-] [--random-key]',
  optionHelp: [
    '--random-key           encrypt with a random key: one pass, no deduplication',
    '--mutable, --format    mutable files are not available yet',
  ],
  options: {
    'random-key': { type: 'boolean' },
    mutable: { type: 'boolean' },
    format: { type: 'string' },
  },
  positionals: [0, 2],
  async run(ctx) {
    if (
      ctx.values.mutable === true ||
      (typeof ctx.values.format === 'string' && ctx.values.format !== 'chk')
    ) {
      throw new CliError(
        'CLI_UNSUPPORTED',
        'Cannot upload a mutable file: mutable files are not available yet',
      );
    }
    if (ctx.args.length > 1)
      throw new UsageError('Cannot put into a TARGET: directories are not available yet');
    const local = ctx.args[0] ?? '-';
    let spool: string | undefined;
    let source: ByteSource;
    try {
      let path = resolve(ctx.cwd, local);
      if (local === '-') {
        // A convergent key needs the whole content first: spool stdin to a private temp file.
        spool = await mkdtemp(join(tmpdir(), 'tessera-put-'));
        path = join(spool, 'stdin');
        await pipeline(ctx.stdin, createWriteStream(path, { mode: 0o600 }), {
          signal: ctx.signal,
        });
      }
      try {
        source = await fileSource(path);
      } catch (err) {
        throw new CliError('CLI_CANNOT_READ', `Cannot read "${local}": ${describeFsError(err)}`, {
          cause: err,
        });
      }
      const client = await openClient(ctx);
      const progress = openProgress(ctx, 'uploading');
      const releaseGc = collectDuringTransfer();
      try {
        const encoding = uploadEncoding(
          client.grid,
          client.config.client?.maxSegmentSize ?? 1024 * 1024,
        );
        const servers = await client.grid.waitForServers({
          minServers: encoding.happy,
          timeoutMs: SERVER_WAIT_MS,
          signal: ctx.signal,
        });
        const result = await uploadImmutable(source, {
          servers,
          secrets: client.secrets,
          encoding,
          randomKey: ctx.values['random-key'] === true,
          signal: ctx.signal,
          logger: client.logger,
          onProgress: (p) => {
            if (p.phase === 'hashing') progress.update(p.bytes / 2, p.total);
            else if (p.phase === 'uploading') progress.update(p.total / 2 + p.bytes / 2, p.total);
          },
        });
        progress.done();
        client.logger.info(`uploaded ${result.size} bytes to ${result.shareMap.size} servers`);
        ctx.stdout.write(
          ctx.json
            ? `${JSON.stringify({ cap: result.readCap, verifyCap: result.verifyCap ?? null, size: result.size, servers: result.shareMap.size, happiness: result.happiness })}\n`
            : `${result.readCap}\n`,
        );
      } finally {
        releaseGc();
        progress.done();
        await client.close();
      }
    } finally {
      if (spool !== undefined) await rm(spool, { recursive: true, force: true });
    }
  },
};
