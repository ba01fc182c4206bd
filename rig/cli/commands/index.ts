/**
 * Every `suitrig` command, in the order `suitrig --help` lists them. Each command lives in
 * its own module; add it here with one line.
 */
import type { Command } from '../command.js';
import { keygenCommand } from './keygen.js';

export const commands: readonly Command[] = [
  keygenCommand,
];
