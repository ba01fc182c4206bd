/**
 * Locates files that ship with the package (the built verifier `.wasm`), whether this module
 * runs from TypeScript sources (tests) or from compiled `dist/` (the CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding suitrig's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'suitrig') {
      root = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('suitrig: cannot find the package root (package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Path of a file under `build/` (the verifier `.wasm`); `npm run build` creates them. */
export function buildFile(name: string): string {
  return join(packageRoot(), 'build', name);
}
