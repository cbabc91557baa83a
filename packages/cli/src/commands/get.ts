/** `tessera get SOURCE [LOCAL|-] [--range START-END]`: download a file (CLI.md "Files"). */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseCap } from '@tessera/caps';
import { downloadImmutable } from '@tessera/client';
import type { Command } from '../command.ts';
import { openClient } from '../client-context.ts';
import { CliError, describeFsError, UsageError } from '../errors.ts';
import { openProgress } from '../progress.ts';
import { collectDuringTransfer } from '../transfer-gc.ts';

/** How long `get` waits for the introducer to name k servers when none are cached. */
const SERVER_WAIT_MS = 10_000;

/** Parses an inclusive HTTP-style range `START-END` or `START-` against a file size. */
export function parseRange(text: string, size: number): { start: number; end: number } {
  const m = /^(\d+)-(\d*)$/.exec(text);
  if (m === null)
    throw new UsageError(`Cannot parse --range "${text}": expected START-END or START-`);
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  if (start > end || (start >= size && size > 0)) {
    throw new CliError('CLI_BAD_RANGE', `Cannot read bytes ${text} of a ${size}-byte file`);
  }
  return { start, end };
}

export const get: Command = {
  name: 'get',
  summary: 'Download a file to LOCAL or stdout',
  usage: 'tessera get SOURCE [LOCAL|-] [--range START-END]',
  optionHelp: ['--range START-END      inclusive byte offsets, as HTTP ranges (`100-` to the end)'],
  options: { range: { type: 'string' } },
  positionals: [1, 2],
  async run(ctx) {
    const [source, local = '-'] = ctx.args;
    if (!source.startsWith('URI:')) {
      throw new UsageError(
        `Cannot get "${source}": expected a cap (URI:…); aliases are not available yet`,
      );
    }
    const cap = parseCap(source);
    if (cap.kind !== 'chk' && cap.kind !== 'lit') {
      throw new CliError(
        'CLI_UNSUPPORTED',
        `Cannot get a ${cap.kind} cap: only immutable files are available yet`,
      );
    }
    const size = cap.kind === 'lit' ? cap.data.length : cap.size;
    const range =
      typeof ctx.values.range === 'string'
        ? parseRange(ctx.values.range, size)
        : { start: 0, end: size };
    const toStdout = local === '-';
    const target = resolve(ctx.cwd, local);
    const tmp = toStdout
      ? undefined
      : join(dirname(target), `.${basename(target)}.tessera-partial`);
    const out = toStdout ? ctx.stdout : createWriteStream(tmp!, { mode: 0o644 });
    const write = async (chunk: Uint8Array): Promise<void> => {
      if (!out.write(chunk)) await once(out, 'drain');
    };
    try {
      if (cap.kind === 'lit') {
        await write(cap.data.subarray(range.start, range.end));
      } else {
        const client = await openClient(ctx);
        const progress = openProgress(ctx, 'downloading');
        const releaseGc = collectDuringTransfer();
        try {
          const servers = await client.grid.waitForServers({
            minServers: cap.neededShares,
            timeoutMs: SERVER_WAIT_MS,
            signal: ctx.signal,
          });
          for await (const chunk of downloadImmutable(cap, {
            servers,
            range,
            signal: ctx.signal,
            logger: client.logger,
            onProgress: (p) => progress.update(p.bytes, p.total),
          })) {
            await write(chunk);
          }
        } finally {
          releaseGc();
          progress.done();
          await client.close();
        }
      }
      if (tmp !== undefined) {
        const file = out as ReturnType<typeof createWriteStream>;
        await new Promise<void>((resolve, reject) =>
          file.end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
        try {
          await rename(tmp, target);
        } catch (err) {
          throw new CliError(
            'CLI_CANNOT_WRITE',
            `Cannot write "${local}": ${describeFsError(err)}`,
            { cause: err },
          );
        }
      }
    } catch (err) {
      if (tmp !== undefined) {
        (out as ReturnType<typeof createWriteStream>).destroy();
        await rm(tmp, { force: true });
      }
      throw err;
    }
  },
};
