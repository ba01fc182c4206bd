/**
 * Updates for boards without the SUIT group (stock Zephyr / MCUboot: rc 8 on group 66): the
 * host stands in for the board's SUIT processor (RFC 9019 §3 firmware consumer). The same
 * verifier core runs the manifest's update procedure with the board's trust anchors, signer
 * roles, identity and the rollback floor the host keeps for the board, is fed each payload the
 * manifest fetches, and decides. What the board then receives is only the payload — an MCUboot
 * image — through the image group, marked for a test boot; its bootloader validates that image
 * (hash, signature) but the board itself never saw the manifest, and every result says so.
 */
import { MemoryPlatform, SuitProcessor, componentText, type FinishedRun, type Policy, type RunResult } from '../../host/verifier/index.js';
import type { Decision } from './types.js';

/** The sentence every host decision carries. */
export const HOST_DECIDED = 'the host verified the manifest; the board has no SUIT group and did not verify it itself';

const CHUNK = 4096;

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

  /** The decision so far: accept while payloads are still to come. */
  get decision(): Decision {
    const f = this.finished;
    if (!f || f.accepted) return { kind: 'accept' };
    return { kind: 'reject', reason: f.reason, detail: f.detail, message: `${f.message} (${HOST_DECIDED})` };
  }

  get sequence(): bigint | undefined {
    return this.finished?.sequenceNumber;
  }

  supply(uri: string, bytes: Uint8Array): void {
    if (this.run.status !== 'pending') throw new Error(`the manifest fetches no more payloads (it was given '${uri}')`);
    if (this.run.fetch.uri !== uri) throw new Error(`the manifest fetches '${this.run.fetch.uri}' next, not '${uri}'`);
    let r: RunResult = this.run;
    for (let off = 0; off < bytes.length && r.status === 'pending'; off += CHUNK) r = this.processor.supply(bytes.subarray(off, off + CHUNK));
    this.run = r.status === 'pending' ? this.processor.endFetch() : r;
  }

  /**
   * The image to hand to the board once the manifest is accepted: what the update procedure
   * wrote into the (single) component it installs. A stock board takes one MCUboot image.
   */
  image(): Uint8Array {
    const f = this.finished;
    if (!f?.accepted) throw new Error('the manifest was not accepted: nothing to install');
    const ids = [...new Set(f.written.map((w) => componentText(w.id)))];
    if (ids.length !== 1) throw new Error(`the manifest installs ${ids.length} components (${ids.join(', ') || 'none'}); a board without the SUIT group takes exactly one MCUboot image`);
    const bytes = this.platform.content(ids[0]!);
    if (!bytes || bytes.length === 0) throw new Error(`component ${ids[0]} is empty after the update procedure`);
    return bytes;
  }
}
