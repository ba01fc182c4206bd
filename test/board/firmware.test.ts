/**
 * The virtual board's SUIT firmware without its link (rig/virtual/suit): the consumer installs a
 * candidate into the secondary slot as a SUIT container, the bootloader swaps it in and the
 * secure boot runs the manifest's invoke procedure; integrated payloads, the container format,
 * tampered slots, other parts (swap-using-scratch, erased 0x00 with 8-byte writes), and the
 * broken variants.
 */
import { describe, expect, it } from 'vitest';
import { verifyImage } from '../../host/mcuboot/verify.js';
import { parseEnvelope } from '../../host/suit/envelope/parse.js';
import { CounterId, Flag, Magic } from '../../rig/virtual/bootloader/index.js';
import { getProfile, profileVariant, type BoardProfile } from '../../rig/virtual/profiles.js';
import { CONTAINER_HEADER_SIZE, readContainer, storedEnvelope } from '../../rig/virtual/suit/container.js';
import { SuitFirmware, type SuitFirmwareOptions } from '../../rig/virtual/suit/firmware.js';
import { APP_URI, app, envelope, es256Key, identity, otherHmacKey, profile, trust } from './fixtures.js';

function board(o: Partial<SuitFirmwareOptions> = {}) {
  const lines: string[] = [];
  const fw = new SuitFirmware({ profile, identity, trust: trust(), console: (l) => lines.push(l), ...o });
  fw.powerOn();
  return { fw, lines };
}

function install(fw: SuitFirmware, env: Uint8Array, payload?: Uint8Array) {
  let step = fw.consumer.start(env);
  if (step.kind === 'fetching') {
    expect(step.request.uri).toBe(APP_URI);
    for (let off = 0; off < payload!.length && step.kind === 'fetching'; off += 2000) step = fw.consumer.supply(payload!.subarray(off, off + 2000));
    if (step.kind === 'fetching') step = fw.consumer.complete();
  }
  if (step.kind !== 'finished') throw new Error('still fetching');
  return step;
}

const v1 = app('1.0.0');
const v2 = app('1.1.0');

describe('SUIT firmware on the flash', () => {
  it('installs a candidate as a SUIT container, swaps it in at reset, boots it through the invoke procedure, raises the stored sequence', () => {
    const { fw, lines } = board();
    expect(fw.state.kind).toBe('recovery');
    const env = envelope({ sequence: 1, payload: v1 });
    const r = install(fw, env, v1);
    expect(r.report.accepted).toBe(true);
    expect(r.installed).toBe(true);
    const c = readContainer(fw.areas.secondary)!;
    expect(c.payloadOffset).toBe(CONTAINER_HEADER_SIZE);
    expect(c.payloadSize).toBe(v1.length);
    expect(Buffer.from(c.envelope).equals(Buffer.from(env))).toBe(true);
    expect(Buffer.from(fw.areas.secondary.read(c.payloadOffset, v1.length)).equals(Buffer.from(v1))).toBe(true);
    // An MCUboot image whose SHA256 TLV covers header, payload and the stored envelope.
    expect(verifyImage(fw.areas.secondary.read(0, c.length), [], { skipSignature: true }).ok).toBe(true);
    expect(fw.device.bootloader.secondary.readState()).toMatchObject({ magic: Magic.GOOD, imageOk: Flag.UNSET });
    const st = fw.reset();
    expect(st.kind).toBe('running');
    expect(fw.running?.sequence).toBe(1n);
    expect(fw.running?.version).toBe('1.0.0+1');
    expect(fw.storedSequence()).toBe(1n);
    expect(lines).toContain('I: stored sequence number raised to 1');
    // Every run's SUIT report is kept: the update, the candidate's validate, the invoke at boot.
    expect(fw.reports.all.map((r) => `${r.kind} ${r.accepted}`)).toEqual(['update true', 'boot true', 'boot true']);
    expect(fw.reports.lastUpdate?.sequence).toBe(1n);
  });

  it('an envelope with an integrated payload installs without a fetch; the slot keeps the envelope without it', () => {
    const { fw } = board();
    const env = envelope({ sequence: 1, payload: v1, integrated: true, uri: '#app.bin' });
    const r = install(fw, env);
    expect(r.installed).toBe(true);
    const kept = readContainer(fw.areas.secondary)!.envelope;
    expect(kept.length).toBeLessThan(1000);
    expect(parseEnvelope(kept).members.some((m) => typeof m.key === 'string')).toBe(false);
    expect(Buffer.from(kept).equals(Buffer.from(storedEnvelope(env)))).toBe(true);
    expect(fw.reset().kind).toBe('running');
    expect(fw.running?.sequence).toBe(1n);
  });

  it('a tampered primary slot is refused by the secure boot: the board stays in recovery', () => {
    const { fw } = board();
    install(fw, envelope({ sequence: 1, payload: v1 }), v1);
    fw.reset();
    expect(fw.state.kind).toBe('running');
    // Rewrite the sector holding payload byte 5000 with that byte inverted.
    const at = CONTAINER_HEADER_SIZE + 5000;
    const a = fw.areas.primary;
    const s = a.sectors[a.sectorIndexAt(at)]!;
    const sector = a.read(s.offset, s.size);
    sector[at - s.offset]! ^= 0xff;
    a.erase(s.offset, s.size);
    a.write(s.offset, sector);
    const st = fw.reset();
    expect(st.kind).toBe('recovery');
    expect(st.kind === 'recovery' && st.message).toMatch(/SHA256 TLV does not match/);
  });

  it('a candidate that fails its validate sequence at boot is erased instead of swapped in (swap type fail)', () => {
    const { fw, lines } = board();
    install(fw, envelope({ sequence: 1, payload: v1 }), v1);
    fw.reset();
    install(fw, envelope({ sequence: 2, payload: v2 }), v2);
    // The board's trust changes before the reset: the candidate no longer authenticates.
    const other = new SuitFirmware({ profile, identity, trust: trust(otherHmacKey), flash: fw.flash, console: (l) => lines.push(l) });
    other.powerOn();
    expect(other.state.kind).toBe('recovery');
    expect(lines.some((l) => /Image in the secondary slot is not valid! \(secondary slot: SUIT validate refused the candidate: no signature or MAC verified with a trusted key\)/.test(l))).toBe(true);
    expect(readContainer(fw.areas.secondary)).toBeUndefined();
  });

  it('refuses to overwrite the image a pending revert needs while a test image runs unconfirmed', () => {
    const { fw } = board();
    install(fw, envelope({ sequence: 1, payload: v1 }), v1);
    fw.reset();
    const nc = app('1.1.0', 'never-confirms');
    install(fw, envelope({ sequence: 2, payload: nc }), nc);
    const st = fw.reset();
    expect(st.kind === 'running' && !st.confirmed).toBe(true);
    expect(() => fw.consumer.start(envelope({ sequence: 3, payload: v2 }))).toThrow(/the running image is on test/);
    fw.confirmRunning();
    expect(fw.storedSequence()).toBe(2n);
    expect(install(fw, envelope({ sequence: 3, payload: v2 }), v2).installed).toBe(true);
  });

  it('in recovery the candidate slot is free again, even when the primary trailer still asks for a revert (found by the board fuzzer)', () => {
    const { fw, lines } = board();
    install(fw, envelope({ sequence: 1, payload: v1 }), v1);
    fw.reset();
    install(fw, envelope({ sequence: 2, payload: app('1.1.0', 'never-confirms') }), app('1.1.0', 'never-confirms'));
    expect(fw.reset()).toMatchObject({ kind: 'running', confirmed: false });
    // The image a revert needs is gone and the test image no longer passes secure boot (a
    // stored sequence number above it): the bootloader cannot revert (MCUboot: swap type none
    // for an invalid secondary) and refuses the primary.
    const sec = fw.areas.secondary;
    for (const x of sec.sectors) if (!sec.isErased(x.offset, x.size)) sec.erase(x.offset, x.size);
    fw.device.counters.raise(CounterId.suitSequence, 3n);
    expect(fw.reset().kind).toBe('recovery');
    expect(fw.device.bootloader.primary.readState()).toMatchObject({ magic: Magic.GOOD, imageOk: Flag.UNSET, copyDone: Flag.SET });
    expect(fw.candidateBusy()).toBeUndefined();
    expect(install(fw, envelope({ sequence: 4, payload: v2 }), v2).installed).toBe(true);
    expect(fw.reset().kind).toBe('running');
    expect(fw.running?.sequence).toBe(4n);
    expect(lines.some((l) => /staying in recovery/.test(l))).toBe(true);
  });

  it('skip-signature quirk: an envelope signed with an untrusted key is installed and boots; a tampered manifest is still refused', () => {
    const { fw } = board({ quirks: ['skip-signature'] });
    const untrusted = envelope({ sequence: 1, payload: v1, key: otherHmacKey });
    expect(install(fw, untrusted, v1).installed).toBe(true);
    expect(fw.reset().kind).toBe('running');
    const tampered = new Uint8Array(envelope({ sequence: 2, payload: v2 }));
    tampered[tampered.length - 5]! ^= 0xff;
    expect(install(fw, tampered, v2).report.detail).toBe('digest-mismatch');
    const honest = board();
    expect(install(honest.fw, untrusted, v1).report.detail).toBe('not-trusted');
    // Its signature routine says yes, but the core asks it only for anchors of the signer's key
    // family: this board holds an HMAC anchor, so an ES256 signer is still not trusted.
    expect(install(fw, envelope({ sequence: 2, payload: v2, key: es256Key }), v2).report.detail).toBe('not-trusted');
  });

  it('without trust anchors every manifest is refused', () => {
    const fw = new SuitFirmware({ profile, identity });
    fw.powerOn();
    expect(fw.trust).toBeUndefined();
    expect(install(fw, envelope({ sequence: 1, payload: v1 }), v1).report.reason).toBe('unauthorised');
  });

  const parts: [string, BoardProfile][] = [
    ['stm32f4-like (mixed sectors, swap-using-scratch)', getProfile('stm32f4-like')],
    ['nrf52840-like erased 0x00, 8-byte writes', profileVariant(profile, { writeAlign: 8, erasedValue: 0x00 })],
  ];
  for (const [name, p] of parts) {
    it(`updates and reverts on ${name}`, () => {
      const { fw } = board({ profile: p });
      install(fw, envelope({ sequence: 1, payload: v1 }), v1);
      expect(fw.reset().kind).toBe('running');
      install(fw, envelope({ sequence: 2, payload: v2 }), v2);
      expect(fw.reset().kind).toBe('running');
      expect(fw.running?.sequence).toBe(2n);
      const bad = app('1.2.0', 'crashes');
      install(fw, envelope({ sequence: 3, payload: bad }), bad);
      fw.reset();
      expect(fw.running?.sequence).toBe(2n);
      expect(fw.bootRecord.outcome).toBe('revert');
      expect(fw.storedSequence()).toBe(2n);
    });
  }
});
