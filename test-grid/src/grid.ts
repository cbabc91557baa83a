/** A local grid of real processes: an introducer, N storage nodes and client directories. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, tessera, type CommandResult } from './process.ts';

export interface Grid {
  readonly root: string;
  readonly introducer: NodeProcess;
  readonly introducerAddr: string;
  readonly storage: NodeProcess[];
  /**
   * Creates a client directory. Not a running process: CLI commands run the client in-process,
   * unless a test starts `tessera run` on it (a `NodeProcess`), which they then attach to.
   */
  createClient(name: string, extraArgs?: string[]): Promise<string>;
  /** Runs `tessera -d CLIENTDIR …`. */
  client(
    dir: string,
    args: string[],
    options?: {
      input?: Uint8Array | string;
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      timeoutMs?: number;
    },
  ): Promise<CommandResult>;
  stop(): Promise<void>;
}

async function ok(r: Promise<CommandResult>, what: string): Promise<CommandResult> {
  const res = await r;
  if (res.code !== 0) throw new Error(`${what} failed (${res.code}): ${res.stderr}`);
  return res;
}

/** Starts an introducer and `nodes` storage nodes on 127.0.0.1 with port 0. */
export async function startGrid(options: { nodes: number; storageArgs?: string[] }): Promise<Grid> {
  const root = await mkdtemp(join(tmpdir(), 'tessera-grid-'));
  const introDir = join(root, 'introducer');
  await ok(tessera(['create-introducer', introDir]), 'create-introducer');
  const introducer = new NodeProcess(introDir);
  const storage: NodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([introducer, ...storage].map((p) => p.stop()));
  };
  try {
    await introducer.start();
    const introducerAddr = (await readFile(join(introDir, 'introducer.addr'), 'utf8')).split(
      '\n',
    )[0];
    await Promise.all(
      Array.from({ length: options.nodes }, async (_, i) => {
        const dir = join(root, `storage-${i}`);
        await ok(
          tessera([
            'create-node',
            dir,
            '--introducer',
            introducerAddr,
            '--nickname',
            `s${i}`,
            ...(options.storageArgs ?? []),
          ]),
          'create-node',
        );
        storage[i] = new NodeProcess(dir);
      }),
    );
    await Promise.all(storage.map((s) => s.start()));
    return {
      root,
      introducer,
      introducerAddr,
      storage,
      async createClient(name, extraArgs = []) {
        const dir = join(root, name);
        await ok(
          tessera(['create-client', dir, '--introducer', introducerAddr, ...extraArgs]),
          'create-client',
        );
        return dir;
      },
      client: (dir, args, o = {}) => tessera(['-d', dir, ...args], o),
      async stop() {
        await stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
