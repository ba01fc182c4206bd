/**
 * `suitrig update` against a board without the SUIT group (a stock MCUboot board model served
 * over TCP with the OS and image groups only): with the board's trust anchors the host
 * verifies the manifest, delivers the payload (an MCUboot image) through the image group and
 * says plainly that the board did not verify the manifest itself; a manifest the host refuses
 * never reaches the board; without trust anchors nobody can verify, and the command says so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenTcp, type TcpListener } from '../../host/transport/tcp.js';
import { freshVirtualTarget } from '../../rig/lab/resolve.js';
import { seededRng } from '../../rig/runner/seed.js';
import type { BoardInfo } from '../../rig/suites/api.js';
import { prepareFixtures, provisionOf, writeArtifacts, type Rfc9019Fixtures } from '../../rig/suites/rfc9019/fixtures.js';
import { APP_URI } from '../../rig/suites/app-update.js';
import type { VirtualBoard } from '../../rig/virtual/board/board.js';
import { runCli } from '../helpers/cli.js';
import { openStockBoard } from '../rig/helpers/stock-board.js';

let dir: string;
let f: Rfc9019Fixtures;
let board: VirtualBoard;
let listener: TcpListener;
let close: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'suitrig-update-stock-'));
  f = await prepareFixtures({ seed: 21, rng: seededRng(21), workDir: dir, signal: new AbortController().signal, log: () => undefined }, { appSize: 16 * 1024 });
  writeArtifacts(f, dir);
  const stock = await openStockBoard('stock', { workDir: dir, baud: 1_000_000, provision: provisionOf(f) });
  board = stock.board;
  listener = await listenTcp({ host: '127.0.0.1', port: 0 }, (t) => void stock.server.serve(t));
  close = stock.protocols.close;
});

afterAll(async () => {
  await listener.close();
  await close();
});

/** The CLI's arguments for an update built for this board. */
function update(spec: Parameters<Rfc9019Fixtures['update']>[2], name: string, trust = true): string[] {
  const info: BoardInfo = { name: 'stock', target: freshVirtualTarget(1_000_000, 'in-process'), capabilities: { suit: false, image: true, rig: false, power: false, faults: false, resetLine: false, description: '' }, provision: provisionOf(f) };
  const u = f.update(info, 1n, spec);
  writeFileSync(join(dir, `${name}.suit`), u.envelope);
  writeFileSync(join(dir, `${name}.bin`), u.payloads[APP_URI]!);
  return [
    'update',
    '--port',
    listener.url,
    `${name}.suit`,
    '--payload',
    `${APP_URI}=${name}.bin`,
    ...(trust ? ['--trust', 'author=keys/author.pub.pem', '--trust', 'operator=keys/operator.pub.pem', '--require', 'author,operator', '--device', 'identity.json'] : []),
  ];
}

describe('suitrig update on a board without the SUIT group', () => {
  it('without trust anchors nobody can verify the manifest: exit 2, saying what to give', async () => {
    const r = await runCli(update({ app: 'next' }, 'no-trust', false), { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the board has no SUIT group \(66\), so it cannot verify a SUIT manifest itself; give the board's trust anchors \(--trust, --require, --device\)/);
  });

  it('a manifest the host refuses never reaches the board: exit 1 with the host\'s reason', async () => {
    const ops = board.firmware.flash.opCount;
    const r = await runCli(update({ app: 'next', vendor: 'other' }, 'other-vendor'), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/decision +refused: condition-failed \(vendor-identifier\) by the host: the board has no SUIT group and did not verify the manifest itself/);
    expect(r.stdout).toMatch(/^result +refused: the host refused the manifest: condition-failed \(vendor-identifier/m);
    expect(board.firmware.flash.opCount).toBe(ops);
  });

  it('the host verifies, the MCUboot image goes through the image group, the board boots it: exit 0', async () => {
    const r = await runCli(update({ app: 'next' }, 'next'), { cwd: dir });
    expect(r.stderr).toMatch(/decision +accepted by the host: the board has no SUIT group and did not verify the manifest itself/);
    expect(r.stdout).toMatch(/^result +updated: running image 1\.1\.0\.2, confirmed \(the host verified the manifest; the board has no SUIT group and did not verify it itself\)/m);
    expect(r.code).toBe(0);
  });
});

describe('suitrig update --port <lab board>', () => {
  it("takes the lab board's trust anchors, roles and identity for the host's verification", async () => {
    writeFileSync(
      join(dir, 'rig.yaml'),
      ['boards:', '  stock-1:', `    port: ${listener.url}`, '    trust: [author=keys/author.pub.pem, operator=keys/operator.pub.pem]', '    require: [author, operator]', '    identity: identity.json'].join('\n'),
    );
    const argv = update({ app: 'crashes' }, 'crashes', false);
    argv[2] = 'stock-1';
    const r = await runCli(argv, { cwd: dir });
    expect(r.stderr).toMatch(/decision +accepted by the host: the board has no SUIT group/);
    expect(r.stdout).toMatch(/^result +reverted: the new image did not stay: the board runs image 1\.1\.0\.2 again; its bootloader refused or reverted the MCUboot image/m);
    expect(r.code).toBe(1);
  });
});
