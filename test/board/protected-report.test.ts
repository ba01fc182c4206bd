/**
 * SUIT reports as draft-ietf-suit-report requires them on the wire (§6): the virtual board gives
 * its last report with the operator's nonce, COSE_Sign1-signed with its report key (or
 * COSE_Mac0 with a shared HMAC key), with a capability report when asked or when the run used
 * something the board does not implement; `suitrig report` checks the protection and the
 * nonce and says what the report proves. A board without rig command 2 still gives its plain
 * report, said to prove nothing. A rejected envelope's report names the manifest it received.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publicKeyPem } from '../../host/keys/export.js';
import { generateSigningKey, type PrivateKey, type SymmetricKey } from '../../host/keys/index.js';
import { openProtectedReport } from '../../host/operator/report-protection.js';
import { decodeSuitReport } from '../../host/operator/suit-report.js';
import { deliverEnvelope, supplyPayloads } from '../../host/operator/update.js';
import type { SmpClient } from '../../host/smp/client.js';
import { GroupId, RigCmd } from '../../host/smp/ids.js';
import { SmpServer } from '../../host/smp/server/server.js';
import { COMMAND_CAPABILITIES, verifyEnvelope } from '../../host/verifier/index.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { runCli } from '../helpers/cli.js';
import { serve } from '../smp/helpers/serve-tcp.js';
import { APP_URI, anchor, app, envelope, es256Key, hmacKey, identity, otherHmacKey, trust } from './fixtures.js';

const v1 = app('1.0.0');
const env1 = envelope({ sequence: 1, payload: v1 });
const nonce = new Uint8Array(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'));
const dir = mkdtempSync(join(tmpdir(), 'suitrig-report-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** The board processes `env` (envelope and payloads; no reset: the report is the decision's). */
async function deliver(client: SmpClient, env: Uint8Array, payloads = new Map([[APP_URI, v1]])): Promise<void> {
  const s = { client, options: { payloads } };
  await deliverEnvelope(s, env);
  await supplyPayloads(s);
}

async function updatedBoard(opts: Parameters<typeof VirtualBoard.open>[0] = {}) {
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), ...opts });
  const link = await board.connect({ baudRate: 10_000_000 });
  closers.push(async () => {
    await link.close();
    await board.close();
  });
  return { board, client: link.client };
}

describe('the board protects its reports', () => {
  it('COSE_Sign1 with its report key, the nonce inside, the manifest digest of the update', async () => {
    const { board, client } = await updatedBoard();
    await deliver(client, env1);
    const answer = await client.rig.protectedReport(nonce, false);
    const opened = openProtectedReport(answer.report, board.reportKey);
    expect(opened).toMatchObject({ structure: 'COSE_Sign1', algName: 'ES256', check: 'verified' });
    const r = decodeSuitReport(opened.report);
    expect(r.nonce).toEqual(nonce);
    expect(r.result).toEqual({ ok: true });
    expect(r.capabilities).toBeUndefined();
    expect(Buffer.from(r.digest.bytes)).toEqual(Buffer.from(verifyEnvelope(env1, { trust: [anchor(hmacKey)] }).manifestDigest!));
    // Altered in transit (one byte of the payload): the signature no longer verifies.
    const bad = new Uint8Array(answer.report);
    bad[bad.length - 80]! ^= 1;
    expect(openProtectedReport(bad, board.reportKey).check).toBe('failed');
    // Another board's key does not verify it either.
    expect(openProtectedReport(answer.report, (generateSigningKey('es256') as PrivateKey).publicKey).check).toBe('failed');
  });

  it('COSE_Mac0 with a key shared with the operator; a capability report when asked', async () => {
    const shared = generateSigningKey('hmac256') as SymmetricKey;
    const { client } = await updatedBoard({ reportKey: shared });
    await deliver(client, env1);
    const opened = openProtectedReport((await client.rig.protectedReport(nonce, true)).report, shared);
    expect(opened).toMatchObject({ structure: 'COSE_Mac0', algName: 'HMAC-256', check: 'verified' });
    const caps = decodeSuitReport(opened.report).capabilities!;
    expect(caps.commands).toEqual([...COMMAND_CAPABILITIES]);
    expect(caps.components.map((c) => c.map((s) => (s === true ? '*' : Buffer.from(s).toString('hex'))))).toEqual([['00'], [Buffer.from('app').toString('hex')]]);
    expect(caps.algorithms).toContain(-7);
    expect(caps.other[6]).toContain(24); // suit-uninstall (trust-domains) among the manifest elements
  });

  it('an unauthenticated rejection still names the manifest it received, and the nonce is checked', async () => {
    const { board, client } = await updatedBoard();
    const stranger = envelope({ sequence: 2, payload: v1, key: otherHmacKey });
    await deliver(client, stranger);
    const r = decodeSuitReport(openProtectedReport((await client.rig.protectedReport(nonce, false)).report, board.reportKey).report);
    expect(r.result).toMatchObject({ ok: false, reason: 'unauthorised' });
    expect(r.digest.bytes.some((b) => b !== 0)).toBe(true);
    expect(Buffer.from(r.digest.bytes)).toEqual(Buffer.from(verifyEnvelope(stranger, { trust: [anchor(hmacKey)] }).manifestDigest!));
    // An envelope the board cannot read at all: nothing names a manifest, and the report says so.
    await deliver(client, new Uint8Array([0xd8, 0x6b, 0xa0]), new Map()).catch(() => undefined);
    const none = decodeSuitReport(openProtectedReport((await client.rig.protectedReport(nonce, false)).report, board.reportKey).report);
    expect(none.result).toMatchObject({ ok: false, reason: 'cbor-parse' });
    expect(none.digest.bytes.length).toBe(0);
  });

  it('refuses a nonce too short or too long (rc 3)', async () => {
    const { client } = await updatedBoard();
    await expect(client.rig.protectedReport(new Uint8Array(4), false)).rejects.toThrow(/nonce' must be 8 to 64 bytes/);
    await expect(client.rig.protectedReport(new Uint8Array(65), false)).rejects.toThrow(/8 to 64 bytes/);
  });
});

describe('suitrig report', () => {
  it('verifies the board\'s signature and the nonce, and says what that proves; a wrong key exits 1', async () => {
    const { board, client } = await updatedBoard({ trust: trust(es256Key) });
    const signed = envelope({ sequence: 1, payload: v1, key: es256Key });
    await deliver(client, signed);
    const l = await board.listenTcp();
    closers.push(() => l.close());
    writeFileSync(join(dir, 'board.pub.pem'), publicKeyPem(board.reportKey as PrivateKey['publicKey']));
    writeFileSync(join(dir, 'other.pub.pem'), publicKeyPem((generateSigningKey('es256') as PrivateKey).publicKey));
    const ok = await runCli(['report', '--port', l.url, '--report-key', 'board.pub.pem', '--nonce', '00112233445566778899aabbccddeeff'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^protected COSE_Sign1 ES256 \(key id [0-9a-f]{16}\) verified with --report-key board\.pub\.pem: the board holding that key made this report and nothing altered it$/m);
    expect(ok.stdout).toMatch(/^fresh {5}nonce 00112233445566778899aabbccddeeff is the one sent/m);
    expect(ok.stdout).toMatch(/^result {4}accepted$/m);
    expect(ok.stdout).toMatch(/^proves {4}this board decided this about the manifest with that digest, after this request$/m);
    const caps = JSON.parse((await runCli(['report', '--port', l.url, '--report-key', 'board.pub.pem', '--capabilities', '--json'], { cwd: dir })).stdout);
    expect(caps).toMatchObject({ ok: true, proven: true, fresh: true, protection: { structure: 'COSE_Sign1', check: 'verified' } });
    expect(caps.capabilities.commands).toContain(11);
    const wrong = await runCli(['report', '--port', l.url, '--report-key', 'other.pub.pem'], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/does NOT verify with --report-key other\.pub\.pem/);
    const unchecked = await runCli(['report', '--port', l.url], { cwd: dir });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toMatch(/not checked: give --report-key/);
    expect(unchecked.stdout).toMatch(/^proves {4}nothing beyond what the link says/m);
    const badNonce = await runCli(['report', '--port', l.url, '--nonce', 'abc'], { cwd: dir });
    expect(badNonce.code).toBe(2);
    expect(badNonce.stderr).toMatch(/--nonce: expected 8 to 64 bytes in hexadecimal/);
  });

  it('a board without rig command 2 gives its plain report, which is said to prove nothing', async () => {
    const { board, client } = await updatedBoard();
    await deliver(client, env1);
    const plain = board.firmware.reports.lastUpdate!.report;
    const server = new SmpServer({ bufSize: 1024 });
    server.register({ id: GroupId.RIG, name: 'rig', commands: { [RigCmd.LAST_REPORT]: { read: () => ({ report: plain, boot: { count: 1, reason: 'power-on', slot: 0, outcome: 'booted' } }) } } });
    const url = await serve(server);
    const r = await runCli(['report', '--port', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^protected none: the board gives its report unprotected/m);
    expect(r.stdout).toMatch(/^result {4}accepted$/m);
  });
});
