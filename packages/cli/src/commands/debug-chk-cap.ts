/** `tessera debug chk-cap`: the CHK cap `put` would produce, computed offline (CLI.md "Files"). */
import { resolve } from 'node:path';
import { base32Decode } from '@tessera/caps';
import { fileSource, planChkUpload } from '@tessera/immutable';
import type { Command } from '../command.ts';
import { CliError, describeFsError, UsageError } from '../errors.ts';
import { readClientConfig, readConvergenceSecret } from '../node-dir.ts';
import { parseCount, parseSize } from '../size.ts';
import { openProgress } from '../progress.ts';

export const debugChkCap: Command = {
  name: 'debug chk-cap',
  summary: 'Print the CHK cap a file would get, without any network',
  usage:
    'tessera debug chk-cap LOCAL [--convergence B32] [--shares-needed K] [--shares-total N] [--max-segment-size BYTES]',
  optionHelp: [
    "--convergence B32        the convergence secret, lower-case base32 (default: the node directory's)",
    "--shares-needed K        shares needed to read the file (default: the client's, else 3)",
    "--shares-total N         shares written (default: the client's, else 10)",
    "--max-segment-size SIZE  maximum segment size (default: the client's, else 1MiB)",
  ],
  options: {
    convergence: { type: 'string' },
    'shares-needed': { type: 'string' },
    'shares-total': { type: 'string' },
    'max-segment-size': { type: 'string' },
  },
  positionals: [1, 1],
  async run(ctx) {
    const v = ctx.values;
    const config = await readClientConfig(ctx.nodeDir);
    let secret: Uint8Array | undefined;
    if (typeof v.convergence === 'string') {
      try {
        secret = base32Decode(v.convergence);
      } catch {
        throw new UsageError('Cannot use --convergence: not lower-case unpadded base32');
      }
    } else {
      secret = await readConvergenceSecret(ctx.nodeDir);
      if (secret === undefined) {
        throw new UsageError(
          `Cannot compute a CHK cap: no --convergence given and "${ctx.nodeDir}" has no private/convergence`,
        );
      }
    }
    const k =
      typeof v['shares-needed'] === 'string'
        ? parseCount(v['shares-needed'], '--shares-needed', 1, 256)
        : (config.sharesNeeded ?? 3);
    const n =
      typeof v['shares-total'] === 'string'
        ? parseCount(v['shares-total'], '--shares-total', 1, 256)
        : (config.sharesTotal ?? 10);
    if (k > n)
      throw new UsageError(`Cannot use ${k}-of-${n}: --shares-needed is more than --shares-total`);
    const maxSegmentSize =
      typeof v['max-segment-size'] === 'string'
        ? parseSize(v['max-segment-size'], '--max-segment-size')
        : (config.maxSegmentSize ?? 1024 * 1024);
    if (maxSegmentSize < 1) throw new UsageError('Cannot use --max-segment-size 0');
    const path = ctx.args[0];
    let source;
    try {
      source = await fileSource(resolve(ctx.cwd, path));
    } catch (err) {
      throw new CliError('CLI_CANNOT_READ', `Cannot read "${path}": ${describeFsError(err)}`, {
        cause: err,
      });
    }
    const progress = openProgress(ctx, 'hashing');
    try {
      const plan = await planChkUpload(source, {
        convergenceSecret: secret,
        neededShares: k,
        totalShares: n,
        maxSegmentSize,
        signal: ctx.signal,
        onProgress: (e) =>
          progress.update(e.pass === 'key' ? e.bytes : e.total + e.bytes, 2 * e.total),
      });
      for await (const batch of plan.encode([])) void batch;
      progress.done();
      const r = plan.result();
      ctx.stdout.write(
        ctx.json
          ? `${JSON.stringify({ cap: r.readCap, verifyCap: r.verifyCap ?? null, size: r.size })}\n`
          : `${r.readCap}\n`,
      );
    } finally {
      progress.done();
    }
  },
};
