/**
 * A pseudo-terminal pair made by socat, for end-to-end runs of the native serialport binding
 * without hardware (DESIGN.md "Transports"; notes/platform.md: both ends open with serialport,
 * baud is ignored, DTR/RTS fail, killing socat makes both ports vanish like a pulled cable).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../util/which.js';

/** Absolute path of `socat` on PATH, or undefined when it is not installed. */
export function findSocat(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath('socat', env);
}

export interface PtyPair {
  /** Path of one end (a symlink to /dev/pts/N). */
  readonly a: string;
  readonly b: string;
  /** Kills socat: both ends vanish. Idempotent. */
  close(): Promise<void>;
}

export class PtyUnavailableError extends Error {
  override name = 'PtyUnavailableError';
}

export async function createPtyPair(options: { socat?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const socat = options.socat ?? findSocat();
  if (!socat) throw new PtyUnavailableError('socat is not installed (Debian/Ubuntu: apt-get install socat); a pty pair needs it');
  const dir = mkdtempSync(join(tmpdir(), 'suitrig-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child: ChildProcess = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  while (!(existsSync(a) && existsSync(b))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await cleanup();
      throw new PtyUnavailableError(`socat did not create the pty pair: ${stderr.trim() || 'timed out'}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  let closing: Promise<void> | undefined;
  return { a, b, close: () => (closing ??= cleanup()) };
}
