/**
 * The node directory's config file, `tessera.json` (CLI.md "Nodes"): one JSON object written
 * atomically (temp file, fsync, rename), validated field by field when read.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@tessera/introducer';
import { CliError } from './errors.ts';

/** The config file's name inside a node directory. */
export const CONFIG_FILE = 'tessera.json';

export type NodeRole = 'introducer' | 'storage' | 'client';

/** Encoding parameters (k, happy, N). */
export interface EncodingConfig {
  sharesNeeded?: number;
  sharesHappy?: number;
  sharesTotal?: number;
}

/** Everything a node directory's config holds. */
export interface NodeConfig {
  version: 1;
  role: NodeRole;
  nickname: string;
  /** Multiaddrs to listen on; port 0 is replaced by the bound port on the first run. */
  listen: string[];
  /** Multiaddrs to announce instead of the listening ones. */
  announce: string[];
  /** Introducer multiaddrs (ending in /p2p/<peer id>); storage and client nodes. */
  introducers: string[];
  storage?: {
    reservedSpace: number;
    readOnly: boolean;
    /** Per-client quota in bytes (by client peer id); absent for none. */
    quota?: number;
    leaseDurationSeconds?: number;
    incomingGraceSeconds?: number;
  };
  client?: EncodingConfig & { maxSegmentSize?: number };
  /** The encoding an introducer recommends to its clients. */
  introducer?: EncodingConfig;
}

function bad(path: string, what: string): CliError {
  return new CliError('CLI_BAD_CONFIG', `Cannot read "${path}": ${what}`);
}

function strings(path: string, o: Record<string, unknown>, key: string): string[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw bad(path, `"${key}" is not a list of strings`);
  return v;
}

function optionalCount(
  path: string,
  o: Record<string, unknown>,
  key: string,
  prefix: string,
): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw bad(path, `"${prefix}.${key}" is not a non-negative integer`);
  }
  return v;
}

function section(
  path: string,
  o: Record<string, unknown>,
  key: string,
): Record<string, unknown> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(path, `"${key}" is not an object`);
  return v as Record<string, unknown>;
}

function encoding(
  path: string,
  o: Record<string, unknown> | undefined,
  prefix: string,
): EncodingConfig | undefined {
  if (o === undefined) return undefined;
  const e: EncodingConfig = {
    sharesNeeded: optionalCount(path, o, 'sharesNeeded', prefix),
    sharesHappy: optionalCount(path, o, 'sharesHappy', prefix),
    sharesTotal: optionalCount(path, o, 'sharesTotal', prefix),
  };
  const k = e.sharesNeeded ?? 1;
  const n = e.sharesTotal ?? 256;
  if (k < 1 || k > n || n > 256 || (e.sharesHappy ?? 1) > n) {
    throw bad(path, `"${prefix}" has impossible encoding parameters`);
  }
  return e;
}

/**
 * Reads and validates `DIR/tessera.json`.
 * @throws {CliError} CLI_NOT_A_NODE when there is none, CLI_BAD_CONFIG when it is invalid
 */
export async function readNodeConfig(dir: string): Promise<NodeConfig> {
  const path = join(dir, CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(
        'CLI_NOT_A_NODE',
        `Cannot use "${dir}": not a node directory (no ${CONFIG_FILE})`,
      );
    }
    throw bad(path, (err as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad(path, 'not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) throw bad(path, 'unknown config version');
  const role = o.role;
  if (role !== 'introducer' && role !== 'storage' && role !== 'client')
    throw bad(path, '"role" is unknown');
  const nickname = o.nickname ?? '';
  if (typeof nickname !== 'string') throw bad(path, '"nickname" is not a string');
  const config: NodeConfig = {
    version: 1,
    role,
    nickname,
    listen: strings(path, o, 'listen'),
    announce: strings(path, o, 'announce'),
    introducers: strings(path, o, 'introducers'),
  };
  const storage = section(path, o, 'storage');
  if (storage !== undefined) {
    const readOnly = storage.readOnly ?? false;
    if (typeof readOnly !== 'boolean') throw bad(path, '"storage.readOnly" is not a boolean');
    config.storage = {
      reservedSpace: optionalCount(path, storage, 'reservedSpace', 'storage') ?? 0,
      readOnly,
      quota: optionalCount(path, storage, 'quota', 'storage'),
      leaseDurationSeconds: optionalCount(path, storage, 'leaseDurationSeconds', 'storage'),
      incomingGraceSeconds: optionalCount(path, storage, 'incomingGraceSeconds', 'storage'),
    };
  }
  const client = section(path, o, 'client');
  if (client !== undefined) {
    config.client = {
      ...encoding(path, client, 'client'),
      maxSegmentSize: optionalCount(path, client, 'maxSegmentSize', 'client'),
    };
  }
  config.introducer = encoding(path, section(path, o, 'introducer'), 'introducer');
  return config;
}

/** Writes `DIR/tessera.json` atomically (temp file, fsync, rename): a crash leaves the old or the new. */
export async function writeNodeConfig(dir: string, config: NodeConfig): Promise<void> {
  const path = join(dir, CONFIG_FILE);
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`);
}
