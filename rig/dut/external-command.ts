/**
 * Runs a lab's reset and power commands (rig.yaml `reset: {method: command}`, `power: {on, off}`;
 * like labgrid's external power and reset drivers): a shell string through /bin/sh -c, or an
 * argv without a shell, in the lab file's folder, against a deadline. A command that fails, or outlives its deadline
 * (it is killed), is an error naming the command, its exit status and the end of its output.
 */
import { spawn } from 'node:child_process';
import type { ExternalCommand } from '../lab/types.js';

/** A command as a person would type it: the shell string, or the argv quoted for a shell. */
export function formatCommand(c: ExternalCommand): string {
  return 'shell' in c ? c.shell : c.argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The lab's own control of a board failed: a reset or power command, or a reset line the port cannot drive. */
export class LabControlError extends Error {
  override name = 'LabControlError';
}

const TAIL = 400;

export function runExternalCommand(cmd: ExternalCommand, o: { timeoutMs: number; what: string; signal?: AbortSignal }): Promise<void> {
  const [file, args] = 'shell' in cmd ? ['/bin/sh', ['-c', cmd.shell]] : [cmd.argv[0]!, cmd.argv.slice(1)];
  return new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cmd.cwd ? { cwd: cmd.cwd } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    let output = '';
    const keep = (b: Buffer) => void (output = (output + b.toString('utf8')).slice(-TAIL));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    const said = () => (output.trim() ? `; it said: ${output.trim()}` : '');
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(o.signal?.aborted ? o.signal.reason : new LabControlError(`${o.what}: cannot run \`${formatCommand(cmd)}\`: ${e.message}`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      if (timedOut) reject(new LabControlError(`${o.what}: \`${formatCommand(cmd)}\` did not finish within ${o.timeoutMs} ms and was killed${said()}`));
      else if (code === 0) resolve();
      else reject(new LabControlError(`${o.what}: \`${formatCommand(cmd)}\` failed (${sig ? `signal ${sig}` : `exit status ${code}`})${said()}`));
    });
  });
}
