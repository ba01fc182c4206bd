/**
 * Virtual boards each in their own process over tcp (DESIGN.md "Command line": `run --board
 * virtual --boards N`), run from the built CLI (dist/): the suite passes on two boards at once;
 * a board whose process dies in the middle of a case fails that case saying which board
 * stopped answering, while the other board's run goes on; an absent port makes its board
 * unavailable with the reason, and mistakes in rig.yaml stop the run before anything starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRigProvider } from '../../rig/dut/provider.js';
import { freshVirtualTarget, resolveBoardWord } from '../../rig/lab/resolve.js';
import { hostPredictor } from '../../rig/runner/predictor.js';
import { runSuite } from '../../rig/runner/runner.js';
import type { Suite } from '../../rig/suites/api.js';
import { createRfc9019Suite } from '../../rig/suites/rfc9019/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeFile } from '../rig/helpers/lab-files.js';

describe('virtual boards in their own processes', () => {
  // 40 cases over two board processes take about 35 s on an idle 2-core machine; the limit leaves
  // room for a loaded one (CI runs two test workers).
  it('run rfc9019 --board virtual --boards 2: both boards pass every case', { timeout: 180_000 }, async () => {
    const dir = tempDir('suitrig-procs-');
    const r = await runCli(['run', 'rfc9019', '--board', 'virtual', '--boards', '2', '--baud', '12000000', '--flash-scale', '0', '--seed', '3', '--json'], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(report.boards.map((b: { name: string; description: string }) => [b.name, /virtual board in its own process \(pid \d+/.test(b.description)])).toEqual([
      ['virtual-1', true],
      ['virtual-2', true],
    ]);
    const notPassed = report.boards.flatMap((b: { name: string; cases: { id: string; outcome: string; message?: string }[] }) => b.cases.filter((c) => c.outcome !== 'passed').map((c) => `${b.name} ${c.id}: ${c.outcome} ${c.message ?? ''}`));
    expect(report.totals, notPassed.join('\n')).toMatchObject({ cases: 40, passed: 40 });
    expect(r.code).toBe(0);
  });

  it('a board process killed mid-case fails that case naming the board; the other board and the rest go on; an absent port is reported unavailable', async () => {
    const dir = tempDir('suitrig-kill-');
    const pids = new Map<string, number>();
    let killed = false;
    const absent = await resolveBoardWord('tcp://127.0.0.1:1', { cwd: dir });
    const result = await runSuite({
      suite: createRfc9019Suite({ appSize: 16 * 1024 }) as Suite,
      cases: ['trusted-author-accepted', 'untrusted-key-rejected', 'crash-reverted'],
      boards: [{ name: 'virtual-1', target: freshVirtualTarget(1_000_000, 'process') }, { name: 'virtual-2', target: freshVirtualTarget(1_000_000, 'process') }, absent],
      provider: createRigProvider({ flashScale: 0 }),
      seed: 4,
      logDir: join(dir, 'logs'),
      predictor: hostPredictor,
      onEvent(e) {
        if (e.type === 'board-open') pids.set(e.board, Number(/pid (\d+)/.exec(e.description)?.[1]));
        // The board dies once its first payload is on the way.
        if (e.type === 'step-start' && e.board === 'virtual-2' && e.step === 'deliver update' && !killed) {
          killed = true;
          setTimeout(() => process.kill(pids.get('virtual-2')!, 'SIGKILL'), 40);
        }
      },
    });
    const [one, two, gone] = result.boards;
    expect(one!.cases.map((c) => c.outcome)).toEqual(['passed', 'passed', 'passed']);
    const died = two!.cases[0]!;
    expect(died.outcome).toBe('failed');
    // Its process is gone: the case says so at once, or (if the death landed between requests) the link closing does.
    expect(died.message).toMatch(/^step 'deliver update': board stopped answering: board virtual-2(: its process \d+ exited \(SIGKILL\)| stopped answering during (envelope|payload) delivery: .*); the case expects accept and boot outcome updated/);
    // The known-good restore brought the board back (a new process from its snapshot): its other cases ran.
    expect(died.cleanup.at(-1)!.message).toMatch(/restarted the board process from its known-good state snapshot/);
    expect(two!.cases.slice(1).map((c) => c.outcome)).toEqual(['passed', 'passed']);
    expect(gone).toMatchObject({ name: 'tcp-127.0.0.1-1', status: 'unavailable' });
    expect(gone!.message).toMatch(/^could not open board tcp-127\.0\.0\.1-1: .*cannot connect to tcp:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    expect(gone!.cases.every((c) => c.outcome === 'error' && c.message === `not run: ${gone!.message}`)).toBe(true);
    expect(readFileSync(two!.logPath, 'utf8')).toMatch(/board process \d+ \(start 2\) listening on tcp:\/\/127\.0\.0\.1:\d+/);
  });

  it('mistakes in rig.yaml stop the run before any board is touched, each with its line and field', async () => {
    const dir = tempDir('suitrig-badlab-');
    writeFile(dir, 'rig.yaml', ['boards:', '  a:', '    port: virtual', '    baudrate: 9600', '  b:', '    port: tcp://127.0.0.1:4001', '    reset: { method: dtr }'].join('\n'));
    const r = await runCli(['run', '--board', 'a', '--board', 'b'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rig\.yaml: 2 problems/);
    expect(r.stderr).toMatch(/rig\.yaml:4:5 +boards\.a\.baudrate: unknown field 'baudrate' \(did you mean 'baud'\?\)/);
    expect(r.stderr).toMatch(/rig\.yaml:7:\d+ +boards\.b\.reset: reset method dtr needs a serial line/);
  });
});
