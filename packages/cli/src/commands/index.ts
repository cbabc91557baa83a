/** Every command, in the order `tessera --help` lists them. */
import type { Command } from '../command.ts';
import { createClient, createIntroducer, createNode } from './create-node.ts';
import { debugChkCap } from './debug-chk-cap.ts';
import { get } from './get.ts';
import { gridUp } from './grid-up.ts';
import { put } from './put.ts';
import { run } from './run.ts';
import { servers } from './servers.ts';

export const COMMANDS: readonly Command[] = [
  createIntroducer,
  createNode,
  createClient,
  run,
  gridUp,
  put,
  get,
  servers,
  debugChkCap,
];
