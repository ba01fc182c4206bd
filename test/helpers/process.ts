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
 * Waits for a child's stdout line matching `line` (multiline: `^` and `$` are a line's ends) and
 * answers the match; fails naming `what`, with the child's stderr, when it exits first or prints
 * no such line within `timeoutMs`. `stderr()` keeps collecting afterwards.
 */
export async function lineFrom(child: ChildProcess, line: RegExp, what: string, timeoutMs: number): Promise<{ match: RegExpExecArray; stderr: () => string }> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  const match = await new Promise<RegExpExecArray>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} printed no line matching ${line} within ${timeoutMs / 1000} s: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = line.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code ?? signal}) before printing a line matching ${line}: ${err}`));
    });
  });
  return { match, stderr: () => err };
}

/** The first stdout line `listening on <where>` of a child (suitrig serve, board virtual): `where`. */
export async function listeningOn(child: ChildProcess, what: string, timeoutMs: number): Promise<{ where: string; stderr: () => string }> {
  const { match, stderr } = await lineFrom(child, /^listening on (\S+)\n/, what, timeoutMs);
  return { where: match[1]!, stderr };
}
