/**
 * An HSS-LMS-signed update (COSE alg -46, verified inside the board's verifier core) through the
 * virtual board end to end, over the in-process SMP link: the board provisioned with an HSS-LMS
 * trust anchor (kept in its trust partition as a COSE_Key kty 5) takes the update, boots it after
 * the reset (its secure boot checks the HSS signature again), and refuses the same envelope with
 * one byte of the signature changed, the running image untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { runUpdate } from '../../host/operator/update.js';
import { parseLevelSpec, volatileHssKey } from '../../host/keys/index.js';
import { parseEnvelope } from '../../host/suit/envelope/parse.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, anchor, app, envelope, hmacKey, identity, trust } from './fixtures.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

const hssKey = volatileHssKey(['m32-h5-w4', 'm24-h5-w8'].map((s) => parseLevelSpec(s)!), 'test HSS-LMS author key');
const v1 = app('1.0.0');
const v2 = app('1.1.0');
const payloads = (p: Uint8Array) => new Map([[APP_URI, p]]);
const predict = { trust: [anchor(hmacKey), anchor(hssKey)], device: policyIdentity(identity) };

describe('an HSS-LMS-signed update through the virtual board', () => {
  it('is installed, boots after the reset and is confirmed; with its signature altered it is refused and the image stays', async () => {
    const board = await VirtualBoard.open({ trust: trust(hmacKey, hssKey), identity: policyIdentity(identity), seed: 11 });
    boards.push(board);
    const { client } = await board.connect({ pace: false, seed: 5 });
    expect((await runUpdate(client, envelope({ sequence: 1, payload: v1 }), { payloads: payloads(v1), predict })).result).toBe('updated');

    const env2 = envelope({ sequence: 2, payload: v2, key: hssKey });
    const block = parseEnvelope(env2).authentication!.blocks[0]!;
    expect(block.length).toBeGreaterThan(3000); // an HSS signature (two levels), not an ECDSA one
    const bad = new Uint8Array(env2);
    bad[Buffer.from(env2).indexOf(Buffer.from(block)) + block.length - 40]! ^= 0x01; // in the authentication path
    const refused = await runUpdate(client, bad, { payloads: payloads(v2), predict });
    expect(refused.result).toBe('refused');
    expect(refused.message).toMatch(/unauthorised \(not-trusted/);
    expect(refused.disagreement).toBeUndefined();
    expect(board.firmware.running?.sequence).toBe(1n);

    const out = await runUpdate(client, env2, { payloads: payloads(v2), predict });
    expect(out.prediction?.accepted).toBe(true);
    expect(out.result).toBe('updated');
    expect(out.message).toMatch(/running sequence 2 \(app 1\.1\.0\), confirmed/);
    expect(board.firmware.running?.sequence).toBe(2n);
    // The running image's envelope is HSS-signed: a reset boots it again through secure boot.
    await board.reset();
    expect(board.firmware.running?.sequence).toBe(2n);
    expect(board.bootRecord.outcome).toBe('booted');
  });
});
