/**
 * Rig group 67's test hooks — command 8 (arm fault) and 9 (board model) — exist only on a
 * board started for testing (`testHooks`, `board virtual --test-hooks`, the rig's own boards).
 * Anywhere else any client on the port could make the board accept a manifest signed by an
 * untrusted key with a lower sequence number (quirks skip-signature, accept-rollback), or make
 * it deaf until restarted (link drop 1.0): there they are refused with rc 8, as a command the
 * board does not have. Where they are served, every change is written on the board's console
 * and shown by the trust state, so `suitrig status` tells a board that was made to lie.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runUpdate } from '../../host/operator/update.js';
import type { SmpClient } from '../../host/smp/client.js';
import { MgmtErr, SmpRcError } from '../../host/smp/errors.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { startBoardProcess } from '../helpers/board-process.js';
import { runCli } from '../helpers/cli.js';
import { SmpClient as Client } from '../../host/smp/client.js';
import { TcpTransport } from '../../host/transport/tcp.js';
import { APP_URI, app, envelope, identity, otherHmacKey, trust } from './fixtures.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function open(o: VirtualBoardOptions = {}) {
  const consoleLines: string[] = [];
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 4, listener: (e) => void (e.kind === 'console' && consoleLines.push(e.line)), ...o });
  const link = await board.connect({ pace: false, seed: 5 });
  closers.push(async () => {
    await link.close();
    await board.close();
  });
  return { board, client: link.client, consoleLines };
}

const v1 = app('1.0.0');
const v2 = app('1.1.0');
const update = (c: SmpClient, env: Uint8Array, payload: Uint8Array) => runUpdate(c, env, { payloads: new Map([[APP_URI, payload]]) });
/** Signed by a key the board does not trust, with a sequence number below the one it stores. */
const evil = envelope({ sequence: 1, payload: v1, key: otherHmacKey });

async function refusedAsAbsent(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SmpRcError);
  expect((e as SmpRcError).rc).toBe(MgmtErr.ENOTSUP);
  expect((e as SmpRcError).reason).toMatch(/not started with --test-hooks/);
}

describe('rig group test hooks', () => {
  it('a board started without test hooks refuses commands 8 and 9 (rc 8): an untrusted, older manifest stays refused and the board stays reachable', async () => {
    const { board, client, consoleLines } = await open();
    expect((await update(client, envelope({ sequence: 2, payload: v2 }), v2)).result).toBe('updated');
    await refusedAsAbsent(client.rig.boardModel({ quirks: ['skip-signature', 'accept-rollback'] }));
    await refusedAsAbsent(client.rig.armFault({ link: { drop: 1 }, seed: 1 }));
    await refusedAsAbsent(client.rig.armFault({ powerCutBeforeOp: 0, seed: 1 }));
    expect([...board.firmware.quirks]).toEqual([]);
    const out = await update(client, evil, v1);
    expect(out.result).toBe('refused');
    expect(out.exitCode).toBe(1);
    expect(board.firmware.running?.sequence).toBe(2n);
    // Each attempt is on the console, for whoever keeps the board's log.
    expect(consoleLines.filter((l) => l.startsWith('W: test hook refused: rig command'))).toHaveLength(3);
    const t = await client.rig.trustState();
    expect(t).toMatchObject({ testHooks: false, quirks: [] });
    expect(t.faults).toEqual({});
  });

  it('with test hooks, every change through commands 8 and 9 is written on the console and shown by the trust state', async () => {
    const { board, client, consoleLines } = await open({ testHooks: true });
    expect((await update(client, envelope({ sequence: 2, payload: v2 }), v2)).result).toBe('updated');
    await client.rig.boardModel({ quirks: ['skip-signature', 'accept-rollback'] });
    await client.rig.armFault({ link: { corrupt: 0.001 }, powerCutBeforeOp: 1000, seed: 9 });
    expect(consoleLines).toContain('W: test hook: quirks set to skip-signature, accept-rollback (from SMP)');
    expect(consoleLines).toContain('W: test hook: link faults armed: corrupt 0.001 (seed 9) (from SMP)');
    expect(consoleLines).toContain('W: test hook: power cut armed before flash operation 1000 from now (seed 9) (from SMP)');
    const t = await client.rig.trustState();
    expect(t).toMatchObject({ testHooks: true, quirks: ['skip-signature', 'accept-rollback'], appDefault: 'healthy', faults: { powerCutBeforeOp: 1000, link: { corrupt: 0.001 } } });
    board.faults.link({});
    board.faults.disarmPowerCut();
    await client.rig.boardModel({ appDefault: 'never-confirms' });
    expect(consoleLines).toContain('W: test hook: application default set to never-confirms (from SMP)');
    await client.rig.boardModel({ appDefault: 'healthy' });
    // The board now lies: it takes the untrusted, older manifest (what the hooks are for).
    expect((await update(client, evil, v1)).result).toBe('updated');
  });
});

describe('suitrig status shows the test hooks', () => {
  it('quirks and armed faults of a board with test hooks; "off" on one without', async () => {
    const { board, client } = await open({ testHooks: true });
    await client.rig.boardModel({ quirks: ['skip-signature', 'accept-rollback'] });
    await client.rig.armFault({ powerCutBeforeOp: 500, seed: 2 });
    const l = await board.listenTcp();
    closers.push(() => l.close());
    const on = await runCli(['status', '--port', l.url]);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('test hooks on (rig commands 8 and 9 served); quirks skip-signature, accept-rollback; power cut armed before flash operation 500 from now\n');
    const json = JSON.parse((await runCli(['status', '--port', l.url, '--json'])).stdout);
    expect(json.trust).toMatchObject({ testHooks: true, quirks: ['skip-signature', 'accept-rollback'], faults: { powerCutBeforeOp: 500 } });

    const plain = await open({ quirks: ['never-revert'] });
    const l2 = await plain.board.listenTcp();
    closers.push(() => l2.close());
    const off = await runCli(['status', '--port', l2.url]);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('test hooks off (rig commands 8 and 9 refused); quirks never-revert\n');
  });
});

describe('suitrig board virtual --test-hooks', () => {
  it('serves commands 8 and 9 only with the flag, and says so on stderr; --help documents it', async () => {
    const help = await runCli(['board', 'virtual', '--help']);
    expect(help.stdout).toMatch(/--test-hooks/);
    for (const hooks of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'suitrig-test-hooks-'));
      const p = await startBoardProcess(dir, hooks ? ['--test-hooks'] : []);
      const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(p.where)!;
      const c = Client.over(await TcpTransport.connect(m[1]!, Number(m[2])));
      closers.push(async () => {
        await c.close().catch(() => undefined);
        p.child.kill('SIGTERM');
        await new Promise((r) => (p.child.exitCode !== null ? r(undefined) : p.child.once('exit', r)));
        rmSync(dir, { recursive: true, force: true });
      });
      if (hooks) {
        await c.rig.boardModel({ quirks: ['accept-rollback'] });
        const deadline = Date.now() + 5_000;
        while (!p.stderr().includes('console | W: test hook: quirks set to accept-rollback (from SMP)') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(p.stderr()).toContain('console | W: test hook: quirks set to accept-rollback (from SMP)');
        expect(p.stderr()).toMatch(/test hooks on: rig commands 8 \(arm fault\) and 9 \(board model\) are served to any client/);
      } else {
        await refusedAsAbsent(c.rig.boardModel({ quirks: ['accept-rollback'] }));
        expect(p.stderr()).not.toMatch(/test hooks on/);
      }
    }
  });
});
