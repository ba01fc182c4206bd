/**
 * Updates for boards without the SUIT group (stock Zephyr / MCUboot: rc 8 on group 66): the
 * host stands in for the board's SUIT processor (RFC 9019 §3 firmware consumer). The same
 * verifier core runs the manifest's update procedure with the board's trust anchors, signer
 * roles, identity and the rollback floor the operator knows, is fed each payload the manifest
 * fetches, and decides. What the board then receives is only the payload — an MCUboot image —
 * through the image group, marked for a test boot where marks decide what boots (mark-image.ts);
 * its bootloader validates that image (hash,
 * signature, security counter) but the board itself never saw the manifest, and every result
 * says so. `HostVerifiedUpdate` is the decision (the rig's Dut drives it step by step);
 * `runHostVerifiedUpdate` is the whole flow `runUpdate` takes for such boards.
 */
import { createHash } from 'node:crypto';
import { parseImage, TLV } from '../mcuboot/index.js';
import { MemoryPlatform, SuitProcessor, componentText, type FinishedRun, type Policy, type RunResult } from '../verifier/index.js';
import { readBoardState, type BoardState } from './board-state.js';
import { markUploaded } from './mark-image.js';
import { whereIsBoard } from './run-state.js';
import { decodeSuitReport } from './suit-report.js';
import { MissingPayloadError, UpdateError, resetAndWait, type UpdateOutcome, type UpdateSession } from './session.js';

/** The sentence every host decision carries. */
export const HOST_DECIDED = 'the host verified the manifest; the board has no SUIT group and did not verify it itself';

const CHUNK = 4096;

/** The SHA256 TLV of an MCUboot image: how the image group names it. */
export function mcubootImageHash(image: Uint8Array): Uint8Array {
  const p = parseImage(image);
  const t = p.tlvs.find((x) => x.type === TLV.SHA256);
  return t ? t.value : new Uint8Array(createHash('sha256').update(image.subarray(0, p.hashedLength)).digest());
}

export class HostVerifiedUpdate {
  private readonly platform = new MemoryPlatform();
  private readonly processor = new SuitProcessor(this.platform);
  private run: RunResult;

  constructor(envelope: Uint8Array, policy: Policy) {
    this.run = this.processor.run(envelope, { ...policy, sequences: 'update' });
  }

  /** The payload URI the manifest fetches next, exactly as written. */
  get missing(): string[] {
    return this.run.status === 'pending' ? [this.run.fetch.uri] : [];
  }

  get finished(): FinishedRun | undefined {
    return this.run.status === 'pending' ? undefined : this.run;
  }

  supply(uri: string, bytes: Uint8Array): void {
    if (this.run.status !== 'pending') throw new Error(`the manifest fetches no more payloads (it was given '${uri}')`);
    if (this.run.fetch.uri !== uri) throw new Error(`the manifest fetches '${this.run.fetch.uri}' next, not '${uri}'`);
    let r: RunResult = this.run;
    for (let off = 0; off < bytes.length && r.status === 'pending'; off += CHUNK) r = this.processor.supply(bytes.subarray(off, off + CHUNK));
    this.run = r.status === 'pending' ? this.processor.endFetch() : r;
  }

  /** Feeds every payload the manifest fetches from `payloads`; a URI it lacks is a MissingPayloadError. */
  supplyAll(payloads: ReadonlyMap<string, Uint8Array>): void {
    while (this.run.status === 'pending') {
      const uri = this.run.fetch.uri;
      const bytes = payloads.get(uri);
      if (!bytes) throw new MissingPayloadError(uri, [...payloads.keys()]);
      this.supply(uri, bytes);
    }
  }

  /**
   * The image to hand to the board once the manifest is accepted: what the update procedure
   * wrote into the (single) component it installs. A stock board takes one MCUboot image.
   */
  image(): Uint8Array {
    const f = this.finished;
    if (!f?.accepted) throw new Error('the manifest was not accepted: nothing to install');
    const ids = [...new Set(f.written.map((w) => componentText(w.id)))];
    if (ids.length !== 1) throw new UpdateError(`the manifest installs ${ids.length} components (${ids.join(', ') || 'none'}); a board without the SUIT group takes exactly one MCUboot image`);
    const bytes = this.platform.content(ids[0]!);
    if (!bytes || bytes.length === 0) throw new UpdateError(`component ${ids[0]} is empty after the update procedure`);
    return bytes;
  }
}

/**
 * `runUpdate` for a board without the SUIT group: the host decides (`o.predict` holds what the
 * board trusts; without it nobody can verify the manifest), then the accepted payload goes to
 * the board as an MCUboot image, marked for a test boot, the board is reset and what boots is
 * read from its image state.
 */
export async function runHostVerifiedUpdate(s: UpdateSession, envelope: Uint8Array, before: BoardState, envelopeDigest: Uint8Array): Promise<UpdateOutcome> {
  const o = s.options;
  const emit = o.onEvent ?? (() => undefined);
  if (!o.predict) {
    throw new UpdateError(`${s.client.transport.description}: the board has no SUIT group (66), so it cannot verify a SUIT manifest itself; give the board's trust anchors (--trust, --require, --device) so the host verifies it in its stead and delivers the payload through the image group`);
  }
  const h = new HostVerifiedUpdate(envelope, o.predict);
  h.supplyAll(o.payloads);
  const run = h.finished!;
  const report = decodeSuitReport(run.report());
  emit({ kind: 'host-decision', report });
  const out: UpdateOutcome = { result: 'refused', exitCode: 1, message: '', before, envelopeDigest, decision: report, payloads: [], ...(run.sequenceNumber !== undefined ? { sequence: run.sequenceNumber } : {}) };
  if (!run.accepted) {
    out.message = `the host refused the manifest: ${run.reason} (${run.detail}: ${run.message}); nothing was sent (${HOST_DECIDED})`;
    return out;
  }
  const image = h.image();
  const hash = mcubootImageHash(image);
  const t0 = s.client.clock.now();
  const up = await s.client.image.upload(image, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.reconnect ? { reconnect: async () => (s.client = await o.reconnect!()) } : {}),
    onProgress: (p) => emit({ kind: 'progress', what: 'payload', uri: 'MCUboot image', progress: p }),
  });
  out.payloads.push({ uri: 'MCUboot image (image group)', bytes: image.length, ms: s.client.clock.now() - t0, resumedFrom: up.resumedFrom, reconnects: up.reconnects });
  emit({ kind: 'sent', what: 'payload', uri: 'MCUboot image (image group)', result: up });
  const signal = o.signal ? { signal: o.signal } : {};
  const images = (await s.client.image.state(signal)).images;
  const listed = images.find((i) => Buffer.from(i.hash).equals(Buffer.from(hash)));
  if (!listed) {
    out.message = `the board does not list the uploaded MCUboot image: it refused it as an image (${HOST_DECIDED})`;
    return out;
  }
  // A test boot where marks decide; not in serial recovery, nor under a highest-version bootloader.
  const mark = await markUploaded(s.client, { where: whereIsBoard(before), mode: before.bootloader?.mode, header: parseImage(image).header, hash, images, listed, permanent: false }, signal);
  if (o.reset === false) {
    out.result = 'installed';
    out.exitCode = 0;
    out.message = `the MCUboot image is in slot ${listed.slot}; mark ${mark.note} (${HOST_DECIDED})`;
    return out;
  }
  emit({ kind: 'reset' });
  const back = await resetAndWait(s);
  out.rebootMs = back.ms;
  emit({ kind: 'rebooted', ...back });
  out.after = await readBoardState(s.client, { parts: ['images'], ...(o.signal ? { signal: o.signal } : {}) });
  const active = out.after.images?.find((i) => i.active);
  if (active && Buffer.from(active.hash).equals(Buffer.from(hash))) {
    out.result = active.confirmed ? 'updated' : 'testing';
    out.exitCode = 0;
    out.message = `running image ${active.version}, ${active.confirmed ? 'confirmed' : 'test image, awaiting its confirmation'} (${HOST_DECIDED})`;
  } else if (!active) {
    out.result = 'recovery';
    out.message = `the board stays in its bootloader: no image it can boot (${HOST_DECIDED})`;
  } else {
    out.result = 'reverted';
    out.message = `the new image did not stay: the board runs image ${active.version} again; its bootloader refused or reverted the MCUboot image (${HOST_DECIDED})`;
  }
  return out;
}
