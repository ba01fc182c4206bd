import type { ChildProcess } from 'node:child_process';

/** Whether process `pid` still exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits for a child's first stdout line `listening on <where>` (suitrig serve, board virtual) and
 * answers `where`; fails naming `what`, with the child's stderr, when it exits first or prints no
 * such line within `timeoutMs`. `stderr()` keeps collecting afterwards.
 */
export async function listeningOn(child: ChildProcess, what: string, timeoutMs: number): Promise<{ where: string; stderr: () => string }> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  const where = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} printed no 'listening on' line within ${timeoutMs / 1000} s: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code ?? signal}) before listening: ${err}`));
    });
  });
  return { where, stderr: () => err };
}
