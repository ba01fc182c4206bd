/**
 * The virtual board held to real firmware by the strict client (strict-client.ts, proven on the
 * recorded frames in captures.test.ts): the whole scenario of board-scenario.ts — MCUboot's
 * serial recovery, the Zephyr application, resets with their delay and silence, the line limit
 * — on the in-process paired link (paced at 115200 baud), over TCP to a `board virtual`
 * process paced at its --baud, and over the pty of a `board virtual --pty` process.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { findSocat } from '../../host/transport/pty.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { TcpTransport } from '../../host/transport/tcp.js';
import type { Transport } from '../../host/transport/transport.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile } from '../../rig/virtual/profiles.js';
import { es256Key, trust } from '../board/fixtures.js';
import { startBoardProcess, type BoardProcess } from '../helpers/board-process.js';
import { strictBoardScenario, type BoardFacts } from './board-scenario.js';
import { StrictClient } from './strict-client.js';

const socat = findSocat();
const NO_SOCAT = 'socat is not installed (apt-get install socat)';
if (!socat) console.warn(`SKIPPED the strict client over a pty: ${NO_SOCAT}`);
const smp = getProfile(DEFAULT_PROFILE).smp;
const facts: BoardFacts = { app: smp.app, resetMs: smp.resetMs, serveUntilReset: smp.serveUntilReset };

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A `board virtual` process in a temporary folder, ended (SIGTERM) after the test. */
async function boardProcess(args: string[]): Promise<BoardProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'suitrig-strict-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const p = await startBoardProcess(dir, args);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await once(p.child, 'exit');
    }
  });
  return p;
}

function strict(t: Transport): StrictClient {
  cleanups.push(() => t.close());
  return new StrictClient(t);
}

describe('the virtual board through a strict SMP client of its own', () => {
  it('in process, over the paired link at 115200 baud', async () => {
    const board = await VirtualBoard.open({ trust: trust(es256Key), seed: 5 });
    cleanups.push(() => board.close());
    const link = new PairedLink({ seed: 6 });
    board.serve(await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding }));
    await strictBoardScenario(strict(await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding })), facts);
  });

  it('over TCP to a board virtual process paced at --baud 115200', async () => {
    const { where } = await boardProcess(['--baud', '115200']);
    const m = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(where);
    expect(m, where).not.toBeNull();
    await strictBoardScenario(strict(await TcpTransport.connect('127.0.0.1', Number(m![1]))), facts);
  });

  it.skipIf(!socat)(`over the pty of a board virtual --pty process${socat ? '' : ` [skipped: ${NO_SOCAT}]`}`, async () => {
    const { where } = await boardProcess(['--pty']);
    await strictBoardScenario(strict(await SerialPortTransport.open({ path: where, baudRate: 115200 })), facts);
  });
});
