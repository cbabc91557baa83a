/** `tessera servers [--json]`: the storage servers the client knows (CLI.md "Files"). */
import type { Command } from '../command.ts';
import { openClient } from '../client-context.ts';

export const servers: Command = {
  name: 'servers',
  summary: 'List the storage servers the client knows',
  usage: 'tessera servers [--json] [--wait SECONDS]',
  optionHelp: ['--wait SECONDS         wait for the introducers this long first (default 2)'],
  options: { wait: { type: 'string' } },
  positionals: [0, 0],
  async run(ctx) {
    const client = await openClient(ctx);
    try {
      const waitS = typeof ctx.values.wait === 'string' ? Number(ctx.values.wait) : 2;
      await client.grid.waitForServers({
        minServers: Number.MAX_SAFE_INTEGER,
        timeoutMs: Math.max(0, waitS) * 1000,
        signal: ctx.signal,
      });
      const list = client.grid.directory.servers();
      if (ctx.json) {
        for (const s of list) {
          ctx.stdout.write(
            `${JSON.stringify({ peerId: s.peerId, nickname: s.nickname, addrs: s.addrs, availableSpace: s.availableSpace, readOnly: s.readOnly, version: s.version })}\n`,
          );
        }
      } else {
        for (const s of list) {
          ctx.stdout.write(
            `${s.peerId}  ${s.nickname || '-'}  ${s.readOnly ? 'read-only' : `${(s.availableSpace / 1e9).toFixed(1)} GB free`}  ${s.addrs[0] ?? ''}\n`,
          );
        }
      }
    } finally {
      await client.close();
    }
  },
};
