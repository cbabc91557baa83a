/** One `tessera` process under test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built executable every grid test drives. */
export const TESSERA_BIN = join(repoRoot, 'packages', 'cli', 'bin', 'tessera.mjs');

/** The JSON line `tessera run` prints when it is listening (CLI.md "Nodes"). */
export interface ReadyLine {
  event: 'ready';
  role: 'introducer' | 'storage' | 'client';
  peerId: string;
  addrs: string[];
}

/** The outcome of a finished `tessera` command. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a `tessera` command to completion, with a deadline that only guards against hangs.
 * @throws {Error} when the deadline passes (the process is killed)
 */
export function tessera(
  args: readonly string[],
  options: {
    input?: Uint8Array | string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<CommandResult> {
  const child = spawn(process.execPath, [TESSERA_BIN, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera ${args.join(' ')}: no exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}

/** A long-running `tessera run DIR` process. */
export class NodeProcess {
  readonly dir: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  ready: ReadyLine | undefined;

  constructor(dir: string, logPath = join(dir, 'test-process.log')) {
    this.dir = dir;
    this.logPath = logPath;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Starts `tessera run DIR` and resolves with its ready line.
   * @throws {Error} when the process exits or the deadline passes before the ready line
   */
  async start(options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ReadyLine> {
    if (this.running) throw new Error(`${this.dir}: already running`);
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn(process.execPath, [TESSERA_BIN, 'run', this.dir], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr.pipe(log);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const lines = createInterface({ input: child.stdout });
    this.ready = await new Promise<ReadyLine>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${this.dir}: no ready line within ${timeoutMs} ms (log: ${this.logPath})`),
        );
      }, timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.dir}: exited (${code ?? signal}) before its ready line (log: ${this.logPath})`,
          ),
        );
      });
      lines.on('line', (line) => {
        log.write(`[stdout] ${line}\n`);
        try {
          const parsed = JSON.parse(line) as Partial<ReadyLine>;
          if (parsed.event === 'ready') {
            clearTimeout(timer);
            resolvePromise(parsed as ReadyLine);
          }
        } catch {
          // Not JSON: just log it.
        }
      });
    });
    return this.ready;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  async stop(graceMs = 10_000): Promise<number | null> {
    const child = this.child;
    if (child === undefined || !this.running) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL at once (crash tests). */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }
}
