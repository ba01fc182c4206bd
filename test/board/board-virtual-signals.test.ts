/**
 * `suitrig board virtual --pty` stopped by SIGTERM (kill, service managers, CI runners) or
 * SIGHUP (its terminal went away) cleans up as Ctrl-C does: the built CLI is spawned, the
 * signal sent, and then its socat process must be gone and the pty pair's temporary folder
 * removed, with exit status 0.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSocat } from '../../host/transport/pty.js';
import { startBoardProcess } from '../helpers/board-process.js';
import { alive } from '../helpers/process.js';

const socat = findSocat();
const NO_SOCAT = 'socat is not installed (apt-get install socat)';
if (!socat) console.warn(`SKIPPED board virtual --pty signal tests: ${NO_SOCAT}`);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Child processes of `pid` (every thread's), from /proc. */
function children(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number),
  );
}


describe.skipIf(!socat)(`board virtual --pty stopped by a signal${socat ? '' : ` [skipped: ${NO_SOCAT}]`}`, () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: socat and the pty folder go with it, exit 0`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'suitrig-signal-'));
      dirs.push(dir);
      const { child, where, stderr } = await startBoardProcess(dir, ['--pty']);
      const ptyDir = dirname(where);
      expect(existsSync(ptyDir)).toBe(true);
      const socats = children(child.pid!).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith('socat'));
      expect(socats, 'the socat behind the pty').toHaveLength(1);
      const exited = once(child, 'exit');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code, sig] = (await exited) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      expect({ code, sig }, stderr()).toEqual({ code: 0, sig: null });
      expect(stderr()).toContain(`board   | stopping (${signal})`);
      expect(alive(socats[0]!), 'socat still running').toBe(false);
      expect(existsSync(ptyDir), 'pty folder still there').toBe(false);
    });
  }
});
