/**
 * Small hand-built manifests for processor tests: command sequences written as plain arrays
 * (the draft's CBOR diagnostic turned into JavaScript), signed with the IETF example key.
 */
import { buildEnvelope, cbor, IETF_SIGNER, sha256, type Signer } from './envelope-builder.js';

export const VENDOR = Buffer.from('fa6b4a53d5ad5fdfbe9de663e4d41ffe', 'hex');
export const CLASS = Buffer.from('1492af1425695e48bf429b2d51f2ab45', 'hex');

/** bstr .cbor SUIT_Digest of a payload. */
export function digestParam(p: Uint8Array): Buffer {
  return cbor([-16, sha256(p)]);
}

/** A command sequence: [cmd, arg, cmd, arg, ...] encoded for a bstr. */
export function seq(...items: unknown[]): Buffer {
  return cbor(items);
}

/** override-parameters argument with integer keys in ascending order. */
export function params(entries: Record<number, unknown>): Map<number, unknown> {
  return new Map(Object.entries(entries).map(([k, v]) => [Number(k), v] as [number, unknown]).sort((a, b) => a[0] - b[0]));
}

export interface ManifestSpec {
  sequence?: number | bigint;
  components: Uint8Array[][];
  /** suit-dependencies: component index -> dependency prefix (null: no prefix). */
  dependencies?: Record<number, string[] | null>;
  shared?: unknown[];
  /** Manifest key -> sequence items (7 validate, 8 load, 9 invoke, 16 payload-fetch, 20 install...). */
  sections: Record<number, unknown[]>;
  integrated?: [string, Uint8Array][];
  signers?: Signer[];
  /** suit-delegation content (envelope key 1). */
  delegation?: Uint8Array;
}

/** The usual shared sequence: vendor / class ids set and checked for every component. */
export function identityShared(n = 1): unknown[] {
  const head = n > 1 ? [12, true] : [];
  return [...head, 20, params({ 1: VENDOR, 2: CLASS }), 1, 15, 2, 15];
}

export function makeEnvelope(spec: ManifestSpec): Uint8Array {
  const common = new Map<number, unknown>();
  if (spec.dependencies) {
    const deps = Object.entries(spec.dependencies).map(([i, prefix]) => [Number(i), prefix ? new Map([[1, prefix.map((e) => Buffer.from(e))]]) : new Map()] as const);
    common.set(1, new Map(deps.sort((a, b) => a[0] - b[0])));
  }
  common.set(2, spec.components.map((c) => c.map((b) => Buffer.from(b))));
  if (spec.shared) common.set(4, seq(...spec.shared));
  const m = new Map<number, unknown>([
    [1, 1],
    [2, spec.sequence ?? 1],
    [3, cbor(common)],
  ]);
  for (const key of Object.keys(spec.sections).map(Number).sort((a, b) => a - b)) m.set(key, seq(...spec.sections[key]!));
  return buildEnvelope({
    manifest: m,
    signers: spec.signers ?? [IETF_SIGNER],
    ...(spec.integrated ? { integrated: spec.integrated } : {}),
    ...(spec.delegation ? { delegation: spec.delegation } : {}),
  });
}
