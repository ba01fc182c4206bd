/**
 * SUIT secure boot for the virtual bootloader (DESIGN.md "Data flow of one update": "bootloader:
 * verify again (validate/invoke sequences), swap, boot, or revert"; RFC 9019 §3 firmware
 * verifier). Plugs into the MCUboot-style bootloader at its two seams (rig/virtual/bootloader/
 * validate.ts):
 *
 * - ImageValidator — before a swap and for the primary slot: a SUIT container (container.ts)
 *   must have a matching SHA256 TLV (integrity of the slot, as MCUboot checks its images); a
 *   candidate in the secondary slot must also pass its manifest's validate sequence against
 *   the secondary (authentication, rollback, identity, image-match), so a bad candidate is
 *   erased instead of swapped in. A plain MCUboot image is validated as MCUboot does, with the
 *   board's public trust anchors as the built-in keys.
 * - BootHook — just before the jump: the installed manifest's Invocation procedure (validate,
 *   load, invoke) runs against the primary slot; the image boots only if it hands off.
 *
 * Rollback: the stored SUIT sequence number (counter id suitSequence) is the floor; it is raised
 * by the firmware only once the image is confirmed (firmware.ts), so a revert to the older
 * manifest still passes. A plain MCUboot image gets the bootloader's floor, which on this board
 * includes the stored sequence number (firmware.ts `floorCounters`).
 */
import { verifyImage } from '../../../host/mcuboot/verify.js';
import type { PublicKey } from '../../../host/keys/index.js';
import { SuitProcessor, type FinishedRun, type Procedure, type SectionName } from '../../../host/verifier/index.js';
import { mcubootValidator, type BootHook, type ImageValidator, type SlotName, type Validation } from '../bootloader/index.js';
import type { FlashArea } from '../flash/index.js';
import { formatVersion } from '../../../host/mcuboot/index.js';
import { ContainerError, readContainer, type Container } from './container.js';
import { FlashPlatform, InstalledImage } from './flash-platform.js';
import { boardVerifier, type BoardPolicy } from './policy.js';
import { runReport, type RunReport } from './reports.js';

export interface SecureBootContext {
  policy(): BoardPolicy;
  /** MCUboot keys for plain MCUboot images (the board's public trust anchors). */
  keys(): readonly PublicKey[];
  components: readonly string[];
  /** Each secure-boot run (its SUIT report). */
  finished(r: RunReport): void;
}

/** What the primary slot's manifest said when it last passed the secure boot. */
export interface VerifiedManifest {
  sequence: bigint;
  digest: Uint8Array;
  /** The slot image's SHA256 TLV. */
  hash: Uint8Array;
  /** The image version as MCUboot prints it (the build number is the sequence number). */
  version: string;
  /** Major, minor, revision of the application: condition-version and the SUIT group's semantic_version. */
  semver: readonly [number, number, number];
}

/** Runs `sequences` of a container's manifest against the slot it sits in. */
export function runInSlot(area: FlashArea, c: Container, ctx: SecureBootContext, sequences: Procedure | readonly SectionName[]): FinishedRun {
  const platform = new FlashPlatform({ image: new InstalledImage(area, c.payloadOffset, c.payloadSize), components: ctx.components, invoke: 'handed-off' });
  const { policy, verify } = boardVerifier(ctx.policy());
  const p = new SuitProcessor(platform, verify ? { verify } : {});
  let r = p.run(c.envelope, { ...policy, sequences });
  // Nothing can be fetched at boot: there is no link to fetch from.
  while (r.status === 'pending') r = p.failFetch();
  return r;
}

function container(area: FlashArea): { c: Container | undefined; error?: string } {
  try {
    return { c: readContainer(area) };
  } catch (e) {
    if (e instanceof ContainerError) return { c: undefined, error: e.message };
    throw e;
  }
}

export function suitValidator(ctx: SecureBootContext, skipSignature: () => boolean): ImageValidator {
  return {
    validate(area, slot: SlotName, vctx): Validation {
      const { c, error } = container(area);
      if (error) return { ok: false, reason: 'format', message: `${slot} slot: ${error}` };
      if (!c) return mcubootValidator({ keys: ctx.keys(), skipSignature: skipSignature() }).validate(area, slot, vctx);
      const v = verifyImage(area.read(0, c.length), [], { skipSignature: true });
      if (!v.ok) return { ok: false, reason: v.reason, message: `${slot} slot: ${v.message}` };
      if (slot === 'secondary' && !vctx.integrityOnly) {
        const r = runInSlot(area, c, ctx, ['validate']);
        ctx.finished(runReport('boot', r, `candidate in the secondary slot: ${r.message}`));
        if (!r.accepted) return { ok: false, reason: r.reason, message: `secondary slot: SUIT validate refused the candidate: ${r.message}` };
      }
      return {
        ok: true,
        image: { slot, version: formatVersion(c.version), hash: v.hash, securityCounter: undefined, payloadOffset: c.payloadOffset, payloadSize: c.payloadSize },
      };
    },
  };
}

/** The hook, and what the last successful run of it verified (undefined: not a SUIT image). */
export function suitBootHook(ctx: SecureBootContext): BootHook & { readonly verified: VerifiedManifest | undefined } {
  let verified: VerifiedManifest | undefined;
  return {
    name: 'SUIT secure boot',
    get verified() {
      return verified;
    },
    check({ areas, image }) {
      verified = undefined;
      const { c, error } = container(areas.primary);
      if (error) return { ok: false, reason: 'format', message: error };
      if (!c) return { ok: true };
      const r = runInSlot(areas.primary, c, ctx, 'invoke');
      ctx.finished(runReport('boot', r));
      if (!r.accepted) return { ok: false, reason: r.reason, message: `the installed manifest's invoke procedure failed: ${r.message}` };
      verified = {
        sequence: r.sequenceNumber ?? 0n,
        digest: r.manifest?.digest ?? new Uint8Array(32),
        hash: image.hash,
        version: image.version,
        semver: [c.version.major, c.version.minor, c.version.revision],
      };
      return { ok: true };
    },
  };
}
