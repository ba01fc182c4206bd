/**
 * The virtual board over SMP on the in-process paired link: OS, image, SUIT (66) and rig (67)
 * groups as DESIGN.md and notes/smp.md define them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { APP_URI, app, envelope, identity, trust } from './fixtures.js';
import { uuidText } from '../../host/verifier/identity.js';

const boards: VirtualBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

async function open(o: Parameters<typeof VirtualBoard.open>[0] = {}) {
  const board = await VirtualBoard.open({ trust: trust(), identity: { vendorIds: [identity.vendorId], classIds: [identity.classId], deviceIds: [identity.deviceId] }, seed: 1, ...o });
  boards.push(board);
  const link = await board.connect({ pace: false, seed: 2 });
  return { board, link, client: link.client };
}

describe('virtual board over SMP', () => {
  it('installs a SUIT update: envelope, missing image by URI, payload, reset, manifest state', async () => {
    const { board, client } = await open();
    expect(board.mode).toBe('recovery');
    const v1 = app('1.0.0');
    await client.suit.uploadEnvelope(envelope({ sequence: 1, payload: v1 }));
    const missing = await client.suit.missingImage();
    expect(missing?.uri).toBe(APP_URI);
    await client.suit.uploadMissingImage(missing!.sessionId, v1);
    expect(await client.suit.missingImage()).toBeUndefined();
    const last = await client.rig.lastReport();
    expect(last.report.length).toBeGreaterThan(0);
    await client.os.reset();
    await new Promise((r) => setTimeout(r, 50));
    expect(await client.os.echo('hi')).toBe('hi');
    expect(board.mode).toBe('application');
    const st = await client.suit.manifestState(0x20);
    expect(st.sequenceNumber).toBe(1n);
    expect(uuidText(st.vendorId!)).toBe(uuidText(identity.vendorId));
    const images = await client.image.state();
    console.log(JSON.stringify(images, (k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex').slice(0, 16) : v)));
    const trustState = await client.rig.trustState();
    expect(trustState.sequence).toBe(1n);
  });
});
