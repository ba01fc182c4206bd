/**
 * `suitrig update` on a terminal: the envelope and each payload get the shared upload progress
 * bar (rig/cli/upload-progress.ts, the same line `flash` draws), erased before each step line;
 * with --json nothing is drawn.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../rig/cli/commands/index.js';
import { dispatch } from '../../rig/cli/dispatch.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, app, envelope, identity, trust } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'suitrig-update-progress-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function update(url: string, json: boolean): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await dispatch(['update', '--port', url, 'v1.suit', '--payload', `${APP_URI}=app.bin`, ...(json ? ['--json'] : [])], commands, {
    stdout: { write: () => true, isTTY: true },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: true },
    env: process.env,
    cwd: dir,
  });
  return { code, stderr };
}

describe('suitrig update progress on a terminal', () => {
  it('draws the shared bar for the envelope and the payload, and clears it before each step line', async () => {
    const v1 = app('1.0.0');
    writeFileSync(join(dir, 'app.bin'), v1);
    writeFileSync(join(dir, 'v1.suit'), envelope({ sequence: 1, payload: v1 }));
    const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 3 });
    const l = await board.listenTcp();
    closers.push(async () => {
      await l.close();
      await board.close();
    });
    const r = await update(l.url, false);
    expect(r.code, r.stderr).toBe(0);
    const kib = (v1.length / 1024).toFixed(1);
    // progressText: label, two spaces, bar, percentage, done/total, rate.
    expect(r.stderr).toMatch(new RegExp(`\\r\\x1b\\[Kpayload   ${APP_URI}  \\[#{30}\\] 100%  ${kib} KiB/${kib} KiB  \\d+\\.\\d KB/s`));
    expect(r.stderr).toMatch(/\r\x1b\[Kenvelope   \[[#-]{30}\] +\d+%/);
    // The bar is erased, then the step line is written on a clean line.
    expect(r.stderr).toMatch(/100%[^\n]*\r\x1b\[Kpayload   file:\/\/app\.bin  [\d.]+ KiB in /);

    const j = await update(l.url, true);
    expect(j.stderr).not.toContain('[#');
  });
});
