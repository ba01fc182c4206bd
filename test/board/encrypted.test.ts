/**
 * An encrypted update (draft-ietf-suit-firmware-encryption) through the virtual board end to end,
 * over the in-process SMP link: the board, provisioned with its P-256 decryption key (kept in its
 * trust partition), fetches the ciphertext and decrypts it as it arrives into the candidate slot
 * (A128GCM, ECDH-ES + A128KW), checks the plaintext's digest and boots it; a board holding another
 * key refuses the update (no-decryption-key), and a changed ciphertext byte is refused (the GCM
 * tag), the running image untouched; the host's prediction agrees each time.
 */
import { createECDH } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { runUpdate } from '../../host/operator/update.js';
import { createSigner } from '../../host/cose/signer.js';
import { buildEnvelope } from '../../host/suit/envelope/build.js';
import type { DecryptionKey, EncryptionRecipient } from '../../host/keys/index.js';
import { appUpdatePlan } from '../../rig/suites/app-update.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { APP_URI, anchor, app, envelope, es256Key, identity, trust } from './fixtures.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

function deviceKey(seed: number): { key: DecryptionKey; recipient: EncryptionRecipient } {
  const d = Buffer.alloc(32, seed);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  return { key: { kind: 'ecdh-p256', secret: d, source: `device key ${seed}` }, recipient: { kind: 'ecdh-p256', publicKey: ecdh.getPublicKey(), source: `device ${seed}` } };
}

const mine = deviceKey(7);
const other = deviceKey(9);
const v1 = app('1.0.0');
const v2 = app('1.1.0');
const id = policyIdentity(identity);

function encryptedUpdate(payload: Uint8Array) {
  const plan = appUpdatePlan({ sequence: 2n, payload, vendor: identity.vendorId, class: identity.classId });
  const built = buildEnvelope(plan, { signers: [createSigner(es256Key)], encryptFor: [mine.recipient] });
  return { envelope: built.envelope, ciphertext: built.encrypted[0]!.ciphertext };
}

async function boardRunning1(decrypt: DecryptionKey[]) {
  const board = await VirtualBoard.open({ trust: { ...trust(es256Key), decrypt }, identity: id, seed: 13 });
  boards.push(board);
  const { client } = await board.connect({ pace: false, seed: 4 });
  const first = await runUpdate(client, envelope({ sequence: 1, payload: v1, key: es256Key }), { payloads: new Map([[APP_URI, v1]]), predict: { trust: [anchor(es256Key)], device: id } });
  expect(first.result).toBe('updated');
  return { board, client };
}

describe('an encrypted update through the virtual board', () => {
  it('is decrypted while it is fetched, installed, booted and confirmed', async () => {
    const { board, client } = await boardRunning1([mine.key]);
    const u = encryptedUpdate(v2);
    expect(Buffer.from(u.ciphertext.subarray(0, 256)).equals(Buffer.from(v2.subarray(0, 256)))).toBe(false);
    const out = await runUpdate(client, u.envelope, { payloads: new Map([[APP_URI, u.ciphertext]]), predict: { trust: [anchor(es256Key)], device: id, decrypt: [mine.key] } });
    expect(out.prediction?.accepted).toBe(true);
    expect(out.result, out.message).toBe('updated');
    expect(out.disagreement).toBeUndefined();
    expect(out.message).toMatch(/running sequence 2 \(app 1\.1\.0\), confirmed/);
    // The slot holds the plaintext image (its application header says 1.1.0).
    expect(board.firmware.running?.sequence).toBe(2n);
    await board.reset();
    expect(board.firmware.running?.sequence).toBe(2n);
  });

  it('a board without the key, or a changed ciphertext byte: refused, the running image untouched, as predicted', async () => {
    const u = encryptedUpdate(v2);
    const stranger = await boardRunning1([other.key]);
    const refused = await runUpdate(stranger.client, u.envelope, { payloads: new Map([[APP_URI, u.ciphertext]]), predict: { trust: [anchor(es256Key)], device: id, decrypt: [other.key] } });
    expect(refused.result).toBe('refused');
    expect(refused.message).toMatch(/operation-failed \(no-decryption-key/);
    expect(refused.disagreement).toBeUndefined();
    expect(stranger.board.firmware.running?.sequence).toBe(1n);

    const { board, client } = await boardRunning1([mine.key]);
    const bad = new Uint8Array(u.ciphertext);
    bad[bad.length >> 1]! ^= 0x40;
    const tampered = await runUpdate(client, u.envelope, { payloads: new Map([[APP_URI, bad]]), predict: { trust: [anchor(es256Key)], device: id, decrypt: [mine.key] } });
    expect(tampered.result).toBe('refused');
    expect(tampered.message).toMatch(/operation-failed \(decryption-failed/);
    expect(tampered.disagreement).toBeUndefined();
    expect(board.firmware.running?.sequence).toBe(1n);
    await board.reset();
    expect(board.firmware.running?.sequence).toBe(1n);
  });
});
