/**
 * `suitrig run --framing / --smp-version / --line-length`: how the host speaks SMP to the run's
 * real and emulated boards, over each lab board's `smp:`. A board that speaks raw SMP is only
 * reached with `--framing raw`; contradictions and virtual boards are usage errors before
 * anything opens.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RawFraming } from '../../../host/smp/framing/raw.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../helpers/lab-files.js';
import { openSmpPeer, type SmpPeer } from '../../helpers/smp-peer.js';

let listener: TcpListener | undefined;
let peer: SmpPeer | undefined;
afterAll(async () => {
  await listener?.close();
  await peer?.close();
});

describe('suitrig run link options', () => {
  it('--framing raw reaches a board that speaks raw SMP; without it the board does not answer', async () => {
    const board = await openSmpPeer({ framing: () => new RawFraming() });
    peer = board;
    listener = await listenTcp({}, (t) => void board.server.serve(t));
    const dir = tempDir();
    const raw = await runCli(['run', 'rfc9019', '--board', listener.url, '--framing', 'raw', '--case', 'trusted-author-accepted', '--json'], { cwd: dir });
    const report = JSON.parse(raw.stdout);
    // Reached: the case is judged (not applicable on a board the lab gives no images), not lost to silence.
    expect(report.boards[0].cases[0].outcome, raw.stderr).toBe('not-applicable');
    expect(raw.code).toBe(0);
    const inConsole = await runCli(['run', 'rfc9019', '--board', listener.url, '--case', 'trusted-author-accepted', '--json'], { cwd: dir });
    expect(inConsole.code).toBe(1);
    expect(JSON.parse(inConsole.stdout).boards[0].cases[0].outcome).toBe('error');
  }, 60_000);

  it('contradictions and virtual boards are usage errors naming the option', async () => {
    const dir = tempDir();
    const v = await runCli(['run', 'rfc9019', '--board', 'virtual', '--framing', 'raw'], { cwd: dir });
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--framing, --smp-version and --line-length are for real and emulated boards/);
    const c = await runCli(['run', 'rfc9019', '--board', 'tcp://127.0.0.1:1', '--framing', 'raw', '--line-length', '64'], { cwd: dir });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--line-length: raw framing has no lines/);
  });
});
