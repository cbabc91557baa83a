// Shared fixtures of the introducer tests: keys, temp dirs, and in-process nodes on loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateKey } from '@libp2p/interface';
import { createTesseraNode, generateNodeKey } from '@tessera/protocol';
import type { TesseraNode } from '@tessera/protocol';
import { expect } from 'vitest';
import { signAnnouncement } from '../src/index.ts';
import type { AnnouncementFields, IntroducerLogger } from '../src/index.ts';

/** Fast retries, so reconnections take milliseconds. */
export const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 150 };

/** A logger that keeps lines, for assertions and for debugging a failure. */
export function memoryLogger(): IntroducerLogger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'tessera-introducer-'));
  return { path, remove: async () => rm(path, { recursive: true, force: true }) };
}

export async function loopbackNode(privateKey?: PrivateKey, listen = true): Promise<TesseraNode> {
  return createTesseraNode({
    privateKey: privateKey ?? (await generateNodeKey()),
    listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [],
  });
}

/** Polls `check` every 10 ms for up to `timeoutMs`; fails the test when it never holds. */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

export const BASE_FIELDS: AnnouncementFields = {
  addrs: ['/ip4/127.0.0.1/tcp/4001'],
  nickname: 'alpha',
  version: 'tessera/0.1.0',
  availableSpace: 1_000_000,
  seqnum: 1,
  issuedAt: 1_700_000_000_000,
};

export async function signedBy(key: PrivateKey, fields: Partial<AnnouncementFields> = {}) {
  return signAnnouncement(key, { ...BASE_FIELDS, ...fields });
}
