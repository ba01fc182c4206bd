/**
 * A virtual board in its own process (rig/dut/virtual/process.ts) that starts but cannot be
 * used — it prints something else than its port, or names a port nobody listens on — fails the
 * open with the reason, and its process does not outlive the failed open. The child here is a
 * stand-in script that records its pid and would otherwise run for a minute.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessVirtualBoard } from '../../../rig/dut/virtual/process.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';
import { alive } from '../../helpers/process.js';


/** Opens a board whose process is a script printing `firstLine`; returns the error and the script's pid. */
async function openStandIn(firstLine: string): Promise<{ error: Error; pid: number }> {
  const dir = tempDir('suitrig-proc-');
  const pidFile = join(dir, 'pid');
  const entry = writeFile(dir, 'board.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nconsole.log(${JSON.stringify(firstLine)});\nsetTimeout(() => undefined, 60_000);\n`);
  mkdirSync(join(dir, 'snapshot'));
  const error = await ProcessVirtualBoard.open({
    name: 'stand-in',
    profile: 'nrf52840-like',
    stateDir: join(dir, 'state'),
    snapshotDir: join(dir, 'snapshot'),
    quirks: [],
    baud: 115200,
    flashScale: 0,
    seed: 1,
    provision: undefined,
    log: () => undefined,
    entry,
  }).then(
    () => new Error('opened'),
    (e: Error) => e,
  );
  return { error, pid: Number(readFileSync(pidFile, 'utf8')) };
}

describe('a board process that starts but cannot be used', () => {
  it('one that prints something else than its port fails the open and is stopped', async () => {
    const { error, pid } = await openStandIn('hello');
    expect(error.message).toBe("virtual board process for stand-in said 'hello' instead of 'listening on tcp://...'");
    expect(alive(pid)).toBe(false);
  });

  it('one whose port cannot be reached fails the open and is stopped', async () => {
    const { error, pid } = await openStandIn('listening on tcp://127.0.0.1:1');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(alive(pid)).toBe(false);
  });
});
