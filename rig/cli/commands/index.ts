/**
 * Every `suitrig` command, in the order `suitrig --help` lists them. Each command lives in
 * its own module; add it here with one line.
 */
import type { Command } from '../command.js';
import { keygenCommand } from './keygen.js';
import { imageCreateCommand } from './image-create.js';
import { imageVerifyCommand } from './image-verify.js';
import { portsCommand } from './ports.js';

export const commands: readonly Command[] = [
  keygenCommand,
  imageCreateCommand,
  imageVerifyCommand,
  portsCommand,
];
