/**
 * Paths to the test fixtures: the SUIT vectors and SMP captures copied from the project's
 * shared folder into test/fixtures, so tests run from a bare checkout.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
export const VECTORS = join(FIXTURES, 'vectors');

/** `sharedPath('vectors', 'libcsuit', 'x.suit')`, `sharedPath('smp-captures', ...)`. */
export function sharedPath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function readShared(...parts: string[]): Buffer {
  return readFileSync(sharedPath(...parts));
}

export function readSharedJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readShared(...parts).toString('utf8')) as T;
}
