/**
 * The embedded data directory's lock across processes (rig/service/db/dir-lock.ts), with real
 * processes taking it from the built module: of several starting at once exactly one gets it,
 * whatever an old lock file says — even the pid of a process that lives (a pid of a killed holder
 * taken since by another process: the lock file alone refused every opener for good, and two
 * openers that both judged an old file stale could both take it); the holder SIGKILLed, the next
 * opener gets it at once. Linux only (the lock is an abstract-namespace socket there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lineOn } from '../helpers/process.js';

const MODULE = resolve(import.meta.dirname, '../../dist/rig/service/db/dir-lock.js');

/** A process that takes the lock of `dir`: prints `locked <pid>` and holds it until killed, or `refused <message>` and exits. */
function locker(dir: string): ChildProcess {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => m.lockDirectory(${JSON.stringify(dir)})).then(
    () => { console.log('locked ' + process.pid); setInterval(() => {}, 60000); },
    (e) => { console.log('refused ' + e.message); })`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(process.platform !== 'linux')(process.platform === 'linux' ? 'the data directory lock across processes' : 'the data directory lock across processes (skipped: Linux only)', () => {
  const children: ChildProcess[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const outcome = async (c: ChildProcess): Promise<string> => (await lineOn(c, /^(locked \d+|refused .*)$/m, 'a locker', 30_000)).match[1]!;

  it('of several processes opening at once exactly one gets it, whatever the old lock file says; killed, it is free at once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'suitrig-dirlock-'));
    // Left by a killed holder whose pid now belongs to a live process (this one).
    writeFileSync(join(dir, 'suitrig.lock'), `${process.pid}\n`);
    const racers = Array.from({ length: 4 }, () => locker(dir!));
    children.push(...racers);
    const got = await Promise.all(racers.map(outcome));
    const locked = got.filter((g) => g.startsWith('locked '));
    expect(locked, got.join('\n')).toHaveLength(1);
    const holder = Number(locked[0]!.slice('locked '.length));
    for (const g of got.filter((x) => x.startsWith('refused '))) expect(g).toMatch(new RegExp(`in use by process ${holder};`));
    const killed = racers.find((c) => c.pid === holder)!;
    const exited = new Promise((r) => killed.once('exit', r));
    killed.kill('SIGKILL');
    await exited;
    const next = locker(dir);
    children.push(next);
    expect(await outcome(next)).toBe(`locked ${next.pid}`);
  });
});
