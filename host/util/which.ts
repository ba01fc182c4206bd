/**
 * Finds a program on PATH the way a shell would, without running it: the rig needs to know
 * whether socat, qemu-system-arm or qemu-i386-static is installed before it starts one, so it
 * can name the missing package instead of failing with a bare ENOENT.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of `program` on PATH (or `program` itself when it contains a `/` and is executable); undefined when absent. */
export function findOnPath(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
