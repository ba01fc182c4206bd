/**
 * The operator's update flow (host/operator/update.ts) against the virtual board over the
 * in-process paired link (unpaced here; paced and pty runs are in e2e tests): accepted updates
 * boot, rejections leave the running image untouched with the board's reason, test images that
 * never confirm and crashing images are reverted, the prediction agrees (or the disagreement is
 * reported), and a payload the operator did not give is named.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { MissingPayloadError, runUpdate, type UpdateOptions } from '../../host/operator/update.js';
import { readContainer } from '../../rig/virtual/suit/container.js';
import { APP_URI, anchor, app, envelope, es256Key, hmacKey, identity, otherHmacKey, otherVendor, trust } from './fixtures.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { parseEnvelope } from '../../host/suit/envelope/parse.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

const v1 = app('1.0.0');
const v2 = app('1.1.0');
const env1 = envelope({ sequence: 1, payload: v1 });
const env2 = envelope({ sequence: 2, payload: v2 });
const payloads = (p: Uint8Array, uri = APP_URI) => new Map([[uri, p]]);
const predict = { trust: [anchor(hmacKey)], device: policyIdentity(identity) };

/** The same envelope with the last byte of its MAC flipped: the manifest digest still matches. */
function badSignature(env: Uint8Array): Uint8Array {
  const block = parseEnvelope(env).authentication!.blocks[0]!;
  const at = Buffer.from(env).indexOf(Buffer.from(block)) + block.length - 1;
  const out = new Uint8Array(env);
  out[at]! ^= 0x01;
  return out;
}

async function boardRunning1(o: Parameters<typeof VirtualBoard.open>[0] = {}) {
  const board = await VirtualBoard.open({ trust: trust(), identity: policyIdentity(identity), seed: 7, ...o });
  boards.push(board);
  const link = await board.connect({ pace: false, seed: 3 });
  const first = await runUpdate(link.client, env1, { payloads: payloads(v1), predict });
  expect(first.result).toBe('updated');
  return { board, client: link.client, primary: () => Buffer.from(board.firmware.areas.primary.read(0, readContainer(board.firmware.areas.primary)!.length)) };
}

async function update(client: Parameters<typeof runUpdate>[0], env: Uint8Array, o: Partial<UpdateOptions> = {}) {
  return runUpdate(client, env, { payloads: payloads(v2), predict, ...o });
}

describe('suitrig update flow against the virtual board', () => {
  it('a valid update boots, confirmed; the prediction agrees; status shows the new sequence', async () => {
    const { client } = await boardRunning1();
    const out = await update(client, env2);
    expect(out.prediction?.accepted).toBe(true);
    expect(out.decision?.result.ok).toBe(true);
    expect(out.result).toBe('updated');
    expect(out.exitCode).toBe(0);
    expect(out.sequence).toBe(2n);
    expect(out.after?.boot?.outcome).toBe('test');
    expect(out.message).toMatch(/running sequence 2 \(app 1\.1\.0\), confirmed/);
  });

  const rejections: [string, () => Uint8Array, RegExp, Map<string, Uint8Array>?][] = [
    ['a bad signature', () => badSignature(env2), /refused: unauthorised \(not-trusted/],
    ['a tampered manifest', () => { const e = new Uint8Array(env2); e[e.length - 5]! ^= 0xff; return e; }, /refused: unauthorised \(digest-mismatch/],
    ['untrusted key', () => envelope({ sequence: 2, payload: v2, key: otherHmacKey }), /unauthorised \(not-trusted/],
    ['another vendor', () => envelope({ sequence: 2, payload: v2, vendor: otherVendor }), /condition-failed \(vendor-identifier/],
    ['another class', () => envelope({ sequence: 2, payload: v2, class: otherVendor }), /condition-failed \(class-identifier/],
    ['another device', () => envelope({ sequence: 2, payload: v2, device: otherVendor }), /condition-failed \(device-identifier/],
    ['a payload digest mismatch', () => envelope({ sequence: 2, payload: v2, digestOf: app('1.1.0', 'crashes') }), /refused: condition-failed \(image-match.*install sequence/],
    ['a truncated payload', () => env2, /refused: operation-failed \(size-mismatch/, payloads(v2.subarray(0, v2.length - 100))],
  ];
  for (const [name, make, reason, given] of rejections) {
    it(`refuses ${name}: exit 1 with the board's reason, the running image untouched`, async () => {
      const { client, board, primary } = await boardRunning1();
      const before = primary();
      const out = await update(client, make(), given ? { payloads: given } : {});
      expect(out.result).toBe('refused');
      expect(out.exitCode).toBe(1);
      expect(out.message).toMatch(reason);
      expect(out.disagreement).toBeUndefined();
      expect(primary().equals(before)).toBe(true);
      expect(board.firmware.running?.sequence).toBe(1n);
      await client.os.reset();
      await new Promise((r) => setTimeout(r, 20));
      expect(board.firmware.running?.sequence).toBe(1n);
      expect(board.firmware.storedSequence()).toBe(1n);
    });
  }

  it('refuses a replayed older manifest (rollback) once a newer one is confirmed, the running image untouched', async () => {
    const { client, board, primary } = await boardRunning1();
    expect((await update(client, env2)).result).toBe('updated');
    expect(board.firmware.storedSequence()).toBe(2n);
    const before = primary();
    const out = await update(client, env1, { payloads: payloads(v1) });
    expect(out.result).toBe('refused');
    expect(out.exitCode).toBe(1);
    expect(out.prediction?.detail).toBe('rollback');
    expect(out.message).toMatch(/refused: condition-failed \(rollback: the sequence number is lower than the stored one\)/);
    expect(primary().equals(before)).toBe(true);
    expect(board.firmware.running?.sequence).toBe(2n);
  });

  it('a test image that never confirms boots on test (exit 0) and is reverted at the next reset', async () => {
    const { client, board } = await boardRunning1();
    const nc = app('1.1.0', 'never-confirms');
    const out = await update(client, envelope({ sequence: 2, payload: nc }), { payloads: payloads(nc) });
    expect(out.result).toBe('testing');
    expect(out.exitCode).toBe(0);
    expect(board.firmware.storedSequence()).toBe(1n);
    await board.reset();
    expect(board.firmware.running?.sequence).toBe(1n);
    expect(board.bootRecord.outcome).toBe('revert');
  });

  it('a crashing image is reverted: exit 1 naming the revert', async () => {
    const { client, board } = await boardRunning1();
    const bad = app('1.1.0', 'crashes');
    const out = await update(client, envelope({ sequence: 2, payload: bad }), { payloads: payloads(bad) });
    expect(out.result).toBe('reverted');
    expect(out.exitCode).toBe(1);
    expect(out.message).toMatch(/runs sequence 1 again .*revert/);
    expect(board.firmware.storedSequence()).toBe(1n);
  });

  it('a board deciding otherwise than predicted exits 1 with both decisions', async () => {
    const { client } = await boardRunning1();
    const out = await update(client, env2, { predict: { trust: [anchor(es256Key)] } });
    expect(out.result).toBe('updated');
    expect(out.exitCode).toBe(1);
    expect(out.disagreement).toMatch(/predicted refuse .* the board accepted/);
  });

  it('a payload larger than the candidate slot: refused, with the board\'s own reason from its console', async () => {
    const { client, board } = await boardRunning1();
    const big = app('1.1.0', 'healthy', 2 * 1024 * 1024);
    const out = await runUpdate(client, envelope({ sequence: 2, payload: big }), { payloads: payloads(big), predict });
    expect(out.result).toBe('refused');
    expect(out.exitCode).toBe(1);
    // The SUIT report only says the fetch failed; why is on the board's console, and comes with the verdict.
    expect(out.message).toMatch(/; the board said: "E: .*\d+ bytes do not fit the \d+-byte image slot"/);
    expect(board.firmware.running?.sequence).toBe(1n);
  });

  it('names a payload URI the operator did not give', async () => {
    const { client, board } = await boardRunning1();
    await expect(update(client, env2, { payloads: payloads(v2, 'file://other.bin') })).rejects.toThrow(MissingPayloadError);
    await expect(update(client, env2, { payloads: payloads(v2, 'file://other.bin') })).rejects.toThrow(/asks for the payload 'file:\/\/app.bin'.*given: 'file:\/\/other.bin'/);
    expect(board.firmware.consumer.fetching).toBeUndefined();
  });
});

describe('link dropped mid-payload', () => {
  it('the update resumes from the offset the board holds after reconnecting', async () => {
    const { board } = await boardRunning1();
    const link = await board.connect({ pace: false, seed: 11 });
    // Cut the cable once the host has written ~20 KB (in the middle of the 34 KB payload).
    link.link.setFaults('a', { disconnectAfterBytes: 20_000 });
    const reconnect = async () => {
      link.link.setFaults('a', {});
      return link.reconnect();
    };
    const out = await runUpdate(link.client, env2, { payloads: payloads(v2), predict, reconnect });
    expect(out.result).toBe('updated');
    const p = out.payloads[0]!;
    expect(p.reconnects).toBe(1);
    expect(p.resumedFrom).toBeGreaterThan(4096);
    expect(p.resumedFrom).toBeLessThan(v2.length);
    expect(board.firmware.running?.sequence).toBe(2n);
  });
});
