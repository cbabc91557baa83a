/** Every command, in the order `tessera --help` lists them. */
import type { Command } from '../command.ts';
import { debugChkCap } from './debug-chk-cap.ts';

export const COMMANDS: readonly Command[] = [debugChkCap];
