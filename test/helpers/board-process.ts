/**
 * `suitrig board virtual` as its own process, run from the built CLI (dist/), trusting the test
 * ES256 key (test/board/fixtures.ts): resolves with the process and its `listening on` word
 * (a tcp:// url or a pty path). Every wait is bounded; the caller ends the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publicKeyPem, verificationKeyOf, type PublicKey } from '../../host/keys/index.js';
import { es256Key } from '../board/fixtures.js';
import { listeningOn } from './process.js';

export const CLI = resolve(import.meta.dirname, '../../dist/rig/cli/main.js');

export interface BoardProcess {
  child: ChildProcess;
  /** What the first stdout line names: `tcp://127.0.0.1:PORT` or the pty path. */
  where: string;
  stderr(): string;
}

/** Starts `board virtual --trust <dir>/author.pub.pem --flash-scale 0 ...args` in `dir`. */
export async function startBoardProcess(dir: string, args: string[]): Promise<BoardProcess> {
  writeFileSync(join(dir, 'author.pub.pem'), publicKeyPem(verificationKeyOf(es256Key) as PublicKey));
  const child = spawn(process.execPath, [CLI, 'board', 'virtual', '--trust', join(dir, 'author.pub.pem'), '--flash-scale', '0', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const { where, stderr } = await listeningOn(child, 'board virtual', 15_000);
  return { child, where, stderr };
}
