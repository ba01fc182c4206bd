import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Whether process `pid` still exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` still runs: a killed process whose parent is gone may linger as a zombie until init reaps it, and counts as dead (Linux /proc). */
export function runs(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process below `pid` now (children, theirs, ...), from /proc; one that ends while this looks is left out. */
export function descendants(pid: number): number[] {
  let kids: number[];
  try {
    kids = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

/**
 * Waits for a child's stdout line matching `re` and answers the match; fails naming `what`, with
 * the child's stderr, when it exits first or prints no such line within `timeoutMs`.
 * `stderr()` keeps collecting afterwards.
 */
export async function lineOn(child: ChildProcess, re: RegExp, what: string, timeoutMs: number): Promise<{ match: RegExpExecArray; stderr: () => string }> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  const match = await new Promise<RegExpExecArray>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} printed no line matching ${re} within ${timeoutMs / 1000} s: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code ?? signal}) before printing ${re}: ${err}`));
    });
  });
  return { match, stderr: () => err };
}

/**
 * Waits for a child's first stdout line `listening on <where>` (suitrig serve, board virtual) and
 * answers `where` (see lineOn).
 */
export async function listeningOn(child: ChildProcess, what: string, timeoutMs: number): Promise<{ where: string; stderr: () => string }> {
  const { match, stderr } = await lineOn(child, /^listening on (\S+)\n/, what, timeoutMs);
  return { where: match[1]!, stderr };
}

/** The child's exit code (or signal name), once it has exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal!)));
}
