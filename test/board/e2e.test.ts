/**
 * End to end (issue 6 "Must show"): the update flow over the paced paired link (real
 * serialport stream code, 8N1 line rate), over a socat pty pair (the native serialport
 * binding), and from the command line against `suitrig board virtual` in its own process —
 * update, then what the board reports (new sequence number and boot outcome); a replayed older
 * manifest and one for another vendor exit 1 with the board's reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../host/operator/update.js';
import { SmpClient } from '../../host/smp/client.js';
import { createPtyPair, findSocat } from '../../host/transport/pty.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { formatUuid } from '../../host/util/uuid.js';
import { publicKeyPem } from '../../host/keys/export.js';
import { runCli } from '../helpers/cli.js';
import { APP_URI, anchor, app, envelope, es256Key, hmacKey, identity, otherVendor, trust } from './fixtures.js';

const v1 = app('1.0.0');
const v2 = app('1.1.0');
const env1 = envelope({ sequence: 1, payload: v1 });
const env2 = envelope({ sequence: 2, payload: v2 });
const payloads = (p: Uint8Array) => new Map([[APP_URI, p]]);
const predict = { trust: [anchor(hmacKey)], device: policyIdentity(identity) };

describe('over the paced paired link (1,000,000 baud, 8N1)', () => {
  it('updates, reports the decision, resets and boots the new image', async () => {
    const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 4 });
    try {
      const link = await board.connect({ baudRate: 1_000_000, seed: 5 });
      expect((await runUpdate(link.client, env1, { payloads: payloads(v1), predict })).result).toBe('updated');
      const t0 = performance.now();
      const out = await runUpdate(link.client, env2, { payloads: payloads(v2), predict });
      const ms = performance.now() - t0;
      const p = out.payloads[0]!;
      console.log(`paced 1,000,000 baud: update of ${v2.length} bytes in ${ms.toFixed(0)} ms, payload ${((p.bytes / p.ms) | 0)} KB/s, reboot ${out.rebootMs?.toFixed(0)} ms`);
      expect(out.result).toBe('updated');
      expect(out.sequence).toBe(2n);
      // The line rate bounds the payload: 100 KB/s on the wire, less after base64 framing.
      expect(p.bytes / p.ms).toBeLessThan(100);
      await link.close();
    } finally {
      await board.close();
    }
  });
});

const socat = findSocat();
describe(`over a socat pty pair (native serialport binding)${socat ? '' : ' — SKIPPED: socat is not installed (apt-get install socat)'}`, () => {
  it.skipIf(!socat)('updates through the native binding', async () => {
    const pty = await createPtyPair();
    const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 6 });
    try {
      board.serve(await SerialPortTransport.open({ path: pty.b, baudRate: 115200 }));
      const client = SmpClient.over(await SerialPortTransport.open({ path: pty.a, baudRate: 115200 }));
      expect((await runUpdate(client, env1, { payloads: payloads(v1), predict })).result).toBe('updated');
      const out = await runUpdate(client, env2, { payloads: payloads(v2), predict });
      expect(out.result).toBe('updated');
      expect(board.firmware.running?.sequence).toBe(2n);
      await client.close();
    } finally {
      await board.close();
      await pty.close();
    }
  });
});

const MAIN = fileURLToPath(new URL('../../dist/rig/cli/main.js', import.meta.url));

/** `suitrig board virtual ...` in its own process; resolves with the url of its first stdout line. */
function startBoard(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (npm run build:ts; npm test does it)`);
  const child = spawn(process.execPath, [MAIN, 'board', 'virtual', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`board virtual did not start: ${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const line = out.slice(0, nl);
      const m = /^listening on (tcp:\/\/127\.0\.0\.1:\d+|\/\S+)$/.exec(line);
      if (!m) return reject(new Error(`first stdout line '${line}' is not 'listening on tcp://127.0.0.1:PORT' or a pty path`));
      // The board describes itself on stderr before it listens; the pipes may deliver in either order.
      const ready = (): void => (/fault seed \d+/.test(err) ? resolve({ child, url: m[1]!, stderr: () => err }) : void setTimeout(ready, 10));
      ready();
    });
    child.once('exit', (code) => reject(new Error(`board virtual exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

describe('from the command line against `suitrig board virtual` in its own process', () => {
  let dir: string;
  let board: Awaited<ReturnType<typeof startBoard>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'suitrig-e2e-'));
    writeFileSync(join(dir, 'author.pub.pem'), publicKeyPem(es256Key.publicKey));
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ 'vendor-id': uuid(identity.vendorId), 'class-id': uuid(identity.classId), 'device-id': uuid(identity.deviceId) }));
    const files: [string, Uint8Array][] = [
      ['v1.suit', envelope({ sequence: 1, payload: v1, key: es256Key })],
      ['v2.suit', envelope({ sequence: 2, payload: v2, key: es256Key })],
      ['other-vendor.suit', envelope({ sequence: 3, payload: v2, key: es256Key, vendor: otherVendor })],
      ['app1.bin', v1],
      ['app2.bin', v2],
    ];
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    board = await startBoard(['--trust', 'author.pub.pem', '--identity', 'identity.json', '--state', 'state', '--flash-scale', '0'], dir);
  }, 30_000);
  afterAll(async () => {
    if (board) await stop(board.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints who the board is on stderr', () => {
    expect(board.stderr()).toMatch(/identity vendor bd62db86-.*class dba2444c-.*device 3b7d1c0e-2f4a-4e8b-9c6d-5a1b2c3d4e5f/);
    expect(board.stderr()).toMatch(/trusts author key [0-9a-f]{16}; stored sequence 0/);
    expect(board.stderr()).toMatch(/reports protected by COSE_Sign1 with p256 key [0-9a-f]{16} \(kept in .*state\/report-key\.pem\)/);
  });

  it('update boots the new image; status shows the new sequence number and boot outcome', async () => {
    const a = await runCli(['update', '--port', board.url, 'v1.suit', '--payload', `${APP_URI}=app1.bin`, '--trust', 'author.pub.pem', '--device', 'identity.json'], { cwd: dir });
    expect(a.stderr).toMatch(/predicted accept \(sequence 1, stored sequence 0/);
    expect(a.code).toBe(0);
    const b = await runCli(['update', '--port', board.url, 'v2.suit', '--payload', `${APP_URI}=app2.bin`, '--trust', 'author.pub.pem', '--json'], { cwd: dir });
    expect(b.code).toBe(0);
    const j = JSON.parse(b.stdout);
    expect(j).toMatchObject({ result: 'updated', exitCode: 0, sequence: 2, decision: { accepted: true }, prediction: { accepted: true } });
    expect(j.after.suit.sequenceNumber).toBe(2);
    expect(j.after.boot).toMatchObject({ outcome: 'test', reason: 'soft-reset' });
    const st = await runCli(['status', '--port', board.url, '--json'], { cwd: dir });
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.suit).toMatchObject({ sequenceNumber: 2, semanticVersion: [1, 1, 0] });
    expect(status.boot).toMatchObject({ outcome: 'test', reason: 'soft-reset' });
    expect(status.trust).toMatchObject({ sequence: 2 });
    const text = await runCli(['status', '--port', board.url], { cwd: dir });
    expect(text.stdout).toMatch(/^suit {7}role 0x20: sequence 2, version 1\.1\.0, digest [0-9a-f]{64}$/m);
    expect(text.stdout).toMatch(/^boot {7}#\d+: test \(reset reason soft-reset, slot 0\)$/m);
    const r = await runCli(['report', '--port', board.url, '--report-key', 'state/report-key.pub.pem'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^result {4}accepted$/m);
    expect(r.stdout).toMatch(/^boot {6}#\d+: test \(reset reason soft-reset, slot 0\)$/m);
    expect(r.stdout).toMatch(/^proves {4}this board decided this about the manifest with that digest, after this request$/m);
  });

  it("a replayed older manifest and one for another vendor exit 1 with the board's reason", async () => {
    const replay = await runCli(['update', '--port', board.url, 'v1.suit', '--payload', `${APP_URI}=app1.bin`], { cwd: dir });
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/result {4}refused: the board refused: condition-failed \(rollback: the sequence number is lower than the stored one\)/);
    const vendor = await runCli(['update', '--port', board.url, 'other-vendor.suit', '--payload', `${APP_URI}=app2.bin`, '--trust', 'author.pub.pem', '--device', 'identity.json'], { cwd: dir });
    expect(vendor.code).toBe(1);
    expect(vendor.stderr).toMatch(/predicted refuse: condition-failed \(vendor-identifier\)/);
    expect(vendor.stdout).toMatch(/refused: the board refused: condition-failed \(vendor-identifier: condition vendor-identifier failed\) at the shared sequence/);
  });

  it('a payload the board asks for that was not given: exit 2 naming the URI', async () => {
    const r = await runCli(['update', '--port', board.url, 'v2.suit'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the board asks for the payload 'file:\/\/app\.bin', which was not given/);
  });

  it('the board keeps its confirmed image across a restart of its process', async () => {
    await stop(board.child);
    board = await startBoard(['--state', 'state', '--flash-scale', '0'], dir);
    expect(board.stderr()).toMatch(/stored sequence 2/);
    const r = await runCli(['report', '--port', board.url, '--json'], { cwd: dir });
    expect(JSON.parse(r.stdout).boot).toMatchObject({ reason: 'power-on', outcome: 'booted' });
  }, 30_000);
});

const uuid = formatUuid;

describe(`\`suitrig board virtual --pty\` without trust anchors${socat ? '' : ' — SKIPPED: socat is not installed (apt-get install socat)'}`, () => {
  it.skipIf(!socat)('says it refuses every manifest, and does: update over the pty exits 1 (unauthorised)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suitrig-pty-'));
    writeFileSync(join(dir, 'v1.suit'), envelope({ sequence: 1, payload: v1, key: es256Key }));
    writeFileSync(join(dir, 'app1.bin'), v1);
    const b = await startBoard(['--pty', '--flash-scale', '0'], dir);
    try {
      expect(b.url).toMatch(/^\//);
      expect(b.stderr()).toMatch(/no trust anchor: this board refuses every manifest/);
      const r = await runCli(['update', '--port', b.url, 'v1.suit', '--payload', `${APP_URI}=app1.bin`], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/refused: the board refused: unauthorised \(not-trusted/);
    } finally {
      await stop(b.child);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

