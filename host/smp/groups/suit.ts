/**
 * SUIT group (66) client commands, numbered as in the nRF Connect SDK SUIT management group
 * (subsys/mgmt/suitfu; notes/smp.md §4): manifest list and state, envelope upload, the
 * missing-image protocol (the board asks for a `file://` payload by URI; the host streams it),
 * raw cache upload and cleanup. These servers run with legacy rc behaviour: answers carry
 * `"rc": 0` on success.
 */
import type { RequestOptions, SmpClient } from '../client.js';
import { array, bigUint, bytes, int, maps, optBytes, optUint, uint } from '../fields.js';
import { GroupId, SuitCmd } from '../ids.js';
import { upload, type UploadOptions, type UploadResult } from '../upload/engine.js';
import { suitTarget } from '../upload/target.js';

export interface SuitManifestInfo {
  role: number;
  classId?: Uint8Array;
}

export interface SuitManifestState {
  role: number;
  classId?: Uint8Array;
  vendorId?: Uint8Array;
  digest?: Uint8Array;
  digestAlgorithm?: number;
  signatureCheck?: number;
  sequenceNumber?: bigint;
  /** Raw semantic version array as the board reports it, e.g. [1, 2, 0]. */
  semanticVersion?: number[];
  downgradePreventionPolicy?: number;
  independentUpdateabilityPolicy?: number;
  signatureVerificationPolicy?: number;
}

export interface MissingImage {
  sessionId: number;
  /** The URI the manifest names, as bytes (usually `file://...`). */
  resourceId: Uint8Array;
  /** The same URI as text. */
  uri: string;
}

export class SuitClient {
  constructor(private readonly c: SmpClient) {}

  async manifests(options?: RequestOptions): Promise<SuitManifestInfo[]> {
    const r = await this.c.read(GroupId.SUIT, SuitCmd.MANIFESTS_LIST, {}, options);
    return maps(r, 'manifests', 'SUIT manifest list answer').map((m) => ({ role: uint(m, 'role', 'SUIT manifest list answer'), classId: optBytes(m, 'class_id', 'SUIT manifest list answer') }));
  }

  async manifestState(role: number, options?: RequestOptions): Promise<SuitManifestState> {
    const r = await this.c.read(GroupId.SUIT, SuitCmd.MANIFEST_STATE, { role }, options);
    const ctx = 'SUIT manifest state answer';
    return {
      role,
      classId: optBytes(r, 'class_id', ctx),
      vendorId: optBytes(r, 'vendor_id', ctx),
      digest: optBytes(r, 'digest', ctx),
      digestAlgorithm: r['digest_algorithm'] === undefined ? undefined : int(r, 'digest_algorithm', ctx),
      signatureCheck: optUint(r, 'signature_check', ctx),
      sequenceNumber: r['sequence_number'] === undefined ? undefined : bigUint(r, 'sequence_number', ctx),
      semanticVersion: r['semantic_version'] === undefined ? undefined : array(r, 'semantic_version', ctx).map((x, i) => int({ [`semantic_version[${i}]`]: x }, `semantic_version[${i}]`, ctx)),
      downgradePreventionPolicy: optUint(r, 'downgrade_prevention_policy', ctx),
      independentUpdateabilityPolicy: optUint(r, 'independent_updateability_policy', ctx),
      signatureVerificationPolicy: optUint(r, 'signature_verification_policy', ctx),
    };
  }

  /** Uploads a candidate envelope (the board starts processing it when the last chunk lands). */
  uploadEnvelope(envelope: Uint8Array, options?: UploadOptions): Promise<UploadResult> {
    return upload(this.c, suitTarget('SUIT envelope', SuitCmd.ENVELOPE_UPLOAD), envelope, options);
  }

  /** The payload the board is waiting for, or undefined when it is not fetching one. */
  async missingImage(options?: RequestOptions): Promise<MissingImage | undefined> {
    const r = await this.c.read(GroupId.SUIT, SuitCmd.MISSING_IMAGE_STATE, {}, options);
    if (r['stream_session_id'] === undefined) return undefined;
    const ctx = 'SUIT missing image answer';
    const resourceId = bytes(r, 'resource_id', ctx);
    return { sessionId: uint(r, 'stream_session_id', ctx), resourceId, uri: new TextDecoder().decode(resourceId) };
  }

  uploadMissingImage(sessionId: number, data: Uint8Array, options?: UploadOptions): Promise<UploadResult> {
    return upload(this.c, suitTarget(`payload for session ${sessionId}`, SuitCmd.MISSING_IMAGE_UPLOAD, { every: { stream_session_id: sessionId }, endsSession: true }), data, options);
  }

  /** Fills DFU cache partition `targetId` with raw data (URI/payload pairs in CBOR). */
  uploadCacheRaw(targetId: number, data: Uint8Array, options?: UploadOptions): Promise<UploadResult> {
    return upload(this.c, suitTarget(`cache partition ${targetId}`, SuitCmd.CACHE_RAW_UPLOAD, { first: { target_id: targetId } }), data, options);
  }

  /** Erases the DFU partition and caches. */
  async cleanup(options?: RequestOptions): Promise<void> {
    await this.c.write(GroupId.SUIT, SuitCmd.CLEANUP, {}, options);
  }
}

