/**
 * The virtual board's SUIT firmware without its link (rig/virtual/suit): the consumer installs a
 * candidate into the secondary slot as a SUIT container, the bootloader swaps it in and the
 * secure boot runs the manifest's invoke procedure; rollback floor, reverts and rejections.
 */
import { describe, expect, it } from 'vitest';
import { SuitFirmware } from '../../rig/virtual/suit/firmware.js';
import { readContainer } from '../../rig/virtual/suit/container.js';
import { APP_URI, app, envelope, identity, profile, trust } from './fixtures.js';

function board(o: Partial<ConstructorParameters<typeof SuitFirmware>[0]> = {}) {
  const lines: string[] = [];
  const fw = new SuitFirmware({ profile, identity, trust: trust(), console: (l) => lines.push(l), ...o });
  return { fw, lines };
}

function install(fw: SuitFirmware, env: Uint8Array, payload: Uint8Array) {
  let step = fw.consumer.start(env);
  if (step.kind === 'fetching') {
    expect(step.request.uri).toBe(APP_URI);
    for (let off = 0; off < payload.length && step.kind === 'fetching'; off += 2000) step = fw.consumer.supply(payload.subarray(off, off + 2000));
    if (step.kind === 'fetching') step = fw.consumer.complete();
  }
  if (step.kind !== 'finished') throw new Error('still fetching');
  return step;
}

describe('SUIT firmware on the flash', () => {
  it('installs a candidate, swaps it in at reset, boots it through the invoke procedure and raises the stored sequence', () => {
    const { fw, lines } = board();
    expect(fw.powerOn().kind).toBe('recovery');
    const v1 = app('1.0.0');
    const r = install(fw, envelope({ sequence: 1, payload: v1 }), v1);
    expect(r.report.accepted).toBe(true);
    expect(r.installed).toBe(true);
    const c = readContainer(fw.areas.secondary)!;
    expect(c.payloadSize).toBe(v1.length);
    expect(Buffer.from(fw.areas.secondary.read(c.payloadOffset, v1.length)).equals(Buffer.from(v1))).toBe(true);
    const st = fw.reset();
    expect(st.kind).toBe('running');
    expect(fw.running?.sequence).toBe(1n);
    expect(fw.storedSequence()).toBe(1n);
    console.log(lines.join('\n'));
  });
});
