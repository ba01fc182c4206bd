/**
 * verifyEnvelope: what `suitrig verify` decides without running payload operations.
 * Authentication (SUIT_Digest, every COSE block, the role policy), severable members, manifest
 * well-formedness of every sequence, rollback against a stored sequence number
 * (draft-ietf-suit-manifest-37 §6.1-6.2, §8.3-8.4), then the shared sequence in a dry run:
 * identifier conditions are enforced for the identities given and reported as not evaluated
 * otherwise; conditions that need a payload are reported as not evaluated.
 */
import type { VerifierCore } from './core.js';
import { acquireCore, releaseCore } from './pool.js';
import { algorithmName } from './crypto.js';
import { applyPolicy, MAX_ANCHORS, type Policy } from './policy.js';
import { readVerdict, type Verdict } from './result.js';
import { feedEnvelope } from './feed.js';
import { runRecord, type RunRecord } from './report.js';

export type VerifyOptions = Policy;

export type BlockStatus = 'verified' | 'not-verified' | 'alg-unsupported' | 'cose-unsupported';

export interface SignatureInfo {
  /** COSE structure: COSE_Sign1 (18), COSE_Mac0 (17), COSE_Sign signer (98), other tags. */
  cose: string;
  alg: number;
  algName: string;
  status: BlockStatus;
  /** The trust anchor that verified it (for a key a delegation chain vouched for: the anchor the
   *  chain starts from, whose role the key signs with). */
  role?: string;
  keySource?: string;
  /** Set when the key that verified it came from the envelope's suit-delegation chains. */
  delegated?: boolean;
}

export interface ManifestInfo {
  sequenceNumber: bigint;
  /** SHA-256 over the bstr-wrapped manifest (the SUIT_Digest of the authentication wrapper). */
  digest: Uint8Array;
  referenceUri?: string;
  /** Encoded SUIT_Component_Identifier of each listed component. */
  components: Uint8Array[];
  /** Which command sequences the manifest has: present, or severed (digest only). */
  sections: Record<string, 'present' | 'severed'>;
}

export interface VerifyResult extends Verdict {
  /** The manifest digest the envelope's authentication wrapper states (element 0, SHA-256),
   *  once it could be read: also for an envelope that did not authenticate (its report names
   *  the manifest by it, report draft §4). */
  manifestDigest?: Uint8Array;
  /** Set once the manifest was authenticated and decoded. */
  sequenceNumber?: bigint;
  manifest?: ManifestInfo;
  signatures: SignatureInfo[];
  /** The shared sequence's commands as the dry run evaluated them. */
  conditions: RunRecord[];
}

const COSE_NAMES: Record<number, string> = { 18: 'COSE_Sign1', 17: 'COSE_Mac0', 98: 'COSE_Sign', 97: 'COSE_Mac' };
const STATUS: Record<number, BlockStatus> = { 1: 'verified', 2: 'not-verified', 3: 'alg-unsupported', 4: 'cose-unsupported' };
const SECTION_KEYS: [number, string][] = [
  [15, 'dependency-resolution'], [16, 'payload-fetch'], [18, 'candidate-verification'], [20, 'install'],
  [7, 'validate'], [8, 'load'], [9, 'invoke'], [24, 'uninstall'], [23, 'text'], [14, 'coswid'],
];

export function readSignatures(core: VerifierCore, policy: Policy): SignatureInfo[] {
  const e = core.exports;
  const out: SignatureInfo[] = [];
  for (let i = 0; i < e.block_count(); i++) {
    const p = e.block_info(i);
    const tag = core.i32(p);
    const alg = core.i32(p + 4);
    const anchor = core.i32(p + 12);
    // Anchors from MAX_ANCHORS on are keys the envelope's delegation chains vouched for.
    const delegated = anchor >= MAX_ANCHORS;
    const root = delegated ? e.delegate_root(anchor - MAX_ANCHORS) : anchor;
    const a = root >= 0 ? policy.trust[root] : undefined;
    out.push({
      cose: COSE_NAMES[tag] ?? (tag === 0 ? 'untagged' : `tag ${tag}`),
      alg,
      algName: algorithmName(alg),
      status: STATUS[core.i32(p + 8)] ?? 'not-verified',
      ...(a ? { role: a.role, keySource: delegated ? `a key delegated by ${a.source}` : a.source } : {}),
      ...(delegated ? { delegated } : {}),
    });
  }
  return out;
}

/** The manifest digest the envelope states, when the core read that far (authenticated or not). */
export function readManifestDigest(core: VerifierCore): Uint8Array | undefined {
  const p = core.exports.manifest_claimed_digest();
  return p !== 0 ? core.read(p, 32) : undefined;
}

export function readManifestInfo(core: VerifierCore): ManifestInfo {
  const e = core.exports;
  const sections: Record<string, 'present' | 'severed'> = {};
  for (const [key, name] of SECTION_KEYS) {
    const s = e.section_state(key);
    if (s === 1) sections[name] = 'present';
    else if (s === 2) sections[name] = 'severed';
  }
  const uriLen = e.manifest_reference_uri_len();
  const components: Uint8Array[] = [];
  for (let i = 0; i < e.component_count(); i++) components.push(core.read(e.component_id(i), e.component_id_len(i)));
  return {
    sequenceNumber: BigInt.asUintN(64, e.manifest_sequence()),
    digest: core.read(e.manifest_digest(), 32),
    ...(uriLen > 0 ? { referenceUri: Buffer.from(core.read(e.manifest_reference_uri(), uriLen)).toString('utf8') } : {}),
    components,
    sections,
  };
}

/** Authenticates and checks `envelope` (bytes of a SUIT_Envelope) against `opts`. */
export function verifyEnvelope(envelope: Uint8Array, opts: VerifyOptions): VerifyResult {
  const core = acquireCore();
  try {
    applyPolicy(core, opts);
    const conditions: RunRecord[] = [];
    core.host = {
      ...core.host,
      // The clock delegation chains are checked against (exp / nbf), as a device's would be.
      now: () => BigInt(Math.floor(Date.now() / 1000)),
      record: (r) => {
        conditions.push(runRecord(r));
      },
    };
    feedEnvelope(core, envelope);
    const e = core.exports;
    if (e.envelope_verify() === 0) {
      // The shared sequence alone (key 3), dry: no platform is touched.
      new DataView(core.io.buffer, core.io.byteOffset).setInt32(0, 3, true);
      e.run_begin(1, 1);
    }
    const verdict = readVerdict(core);
    const digest = readManifestDigest(core);
    const result: VerifyResult = { ...verdict, ...(digest ? { manifestDigest: digest } : {}), signatures: readSignatures(core, opts), conditions };
    if (e.manifest_authenticated() === 1) {
      const manifest = readManifestInfo(core);
      result.manifest = manifest;
      result.sequenceNumber = manifest.sequenceNumber;
      if (verdict.detail === 'rollback') {
        result.message = `sequence number ${manifest.sequenceNumber} is lower than the stored ${opts.storedSequence} (rollback)`;
      }
    }
    return result;
  } finally {
    releaseCore(core);
  }
}
