/**
 * A `suitrig` command as a child process for the benchmarks (the service alone, agents on their
 * own "hosts"): started from the built CLI, ready once a line of its stdout matches, stopped with
 * SIGTERM (its documented clean stop) and waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cliEntry } from '../dut/virtual/process.js';

export interface CliChild {
  child: ChildProcess;
  /** The match of the first stdout line that matched `ready`. */
  ready: RegExpExecArray;
  /** The last 4 KiB of its stderr. */
  stderr(): string;
  /** SIGTERM, then its exit. */
  stop(): Promise<void>;
}

export async function startCli(argv: readonly string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<CliChild> {
  const child = spawn(process.execPath, [cliEntry(), ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-4096)));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const what = `suitrig ${argv[0]}`;
  try {
    const match = await new Promise<RegExpExecArray>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${what} printed no line matching ${ready} within ${timeoutMs / 1000} s: ${err}`)), timeoutMs);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          done(m);
        }
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`${what} exited (${code ?? signal}) before printing ${ready}: ${err}`));
      });
    });
    return {
      child,
      ready: match,
      stderr: () => err,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
}
