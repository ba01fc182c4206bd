/**
 * Every integer label of a SUIT envelope, by name: draft-ietf-suit-manifest-37 §8 and its IANA
 * tables (§11), plus the extensions of trust-domains-11 (TD), update-management-14 (UM) and
 * firmware-encryption-24 (ENC). One table per label space (labels restart at 1 in every map,
 * §8.1); authoring code uses the names, inspection turns numbers back into names.
 * Summary sheet: shared/specs/LABELS.md.
 */

function reverse<T extends Record<string, number>>(table: T): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, n]) => [n, name]));
}

/** A label space: names to numbers and back. */
export interface LabelSpace<T extends Record<string, number>> {
  readonly ids: T;
  readonly names: ReadonlyMap<number, string>;
}

function space<T extends Record<string, number>>(ids: T): LabelSpace<T> {
  return { ids, names: reverse(ids) };
}

export const TAG = { envelope: 107, manifest: 1070, coseSign1: 18, coseSign: 98, coseMac0: 17, coseMac: 97 } as const;

export const ENVELOPE = space({
  'delegation': 1, // TD
  'authentication-wrapper': 2,
  'manifest': 3,
  'coswid': 14, // UM
  'dependency-resolution': 15, // TD
  'payload-fetch': 16,
  'candidate-verification': 18, // TD
  'install': 20,
  'text': 23,
} as const);

export const MANIFEST = space({
  'manifest-version': 1,
  'manifest-sequence-number': 2,
  'common': 3,
  'reference-uri': 4,
  'manifest-component-id': 5, // TD
  'set-version': 6, // UM
  'validate': 7,
  'load': 8,
  'invoke': 9,
  'coswid': 14, // UM
  'dependency-resolution': 15, // TD
  'payload-fetch': 16,
  'candidate-verification': 18, // TD
  'install': 20,
  'text': 23,
  'uninstall': 24, // TD
} as const);

/** Members that may be replaced by their SUIT_Digest and carried in the envelope (§8.4.4, §8.5). */
export const SEVERABLE_MEMBERS = ['coswid', 'dependency-resolution', 'payload-fetch', 'candidate-verification', 'install', 'text'] as const;
export type SeverableMember = (typeof SEVERABLE_MEMBERS)[number];

/** Manifest members holding a bstr-wrapped SUIT_Command_Sequence. */
export const SEQUENCE_MEMBERS = ['dependency-resolution', 'payload-fetch', 'candidate-verification', 'install', 'validate', 'load', 'invoke', 'uninstall'] as const;
export type SequenceMember = (typeof SEQUENCE_MEMBERS)[number];

export const COMMON = space({ 'dependencies': 1, 'components': 2, 'shared-sequence': 4 } as const);

export const DEPENDENCY_METADATA = space({ 'dependency-prefix': 1 } as const);

export const COMMAND = space({
  'condition-vendor-identifier': 1,
  'condition-class-identifier': 2,
  'condition-image-match': 3,
  'condition-use-before': 4, // UM
  'condition-component-slot': 5,
  'condition-check-content': 6,
  'condition-dependency-integrity': 7, // TD
  'condition-is-dependency': 8, // TD
  'directive-process-dependency': 11, // TD
  'directive-set-component-index': 12,
  'condition-abort': 14,
  'directive-try-each': 15,
  'directive-write': 18,
  'directive-set-parameters': 19, // TD
  'directive-override-parameters': 20,
  'directive-fetch': 21,
  'directive-copy': 22,
  'directive-invoke': 23,
  'condition-device-identifier': 24,
  'condition-image-not-match': 25, // UM
  'condition-minimum-battery': 26, // UM
  'condition-update-authorized': 27, // UM
  'condition-version': 28, // UM
  'directive-wait': 29, // UM
  'directive-swap': 31,
  'directive-run-sequence': 32,
  'directive-unlink': 33, // TD
  'directive-override-multiple': 34, // UM
  'directive-copy-params': 35, // UM
} as const);

export const PARAMETER = space({
  'vendor-identifier': 1,
  'class-identifier': 2,
  'image-digest': 3,
  'use-before': 4, // UM
  'component-slot': 5,
  'strict-order': 12,
  'soft-failure': 13,
  'image-size': 14,
  'content': 18,
  'encryption-info': 19, // ENC
  'uri': 21,
  'source-component': 22,
  'invoke-args': 23,
  'device-identifier': 24,
  'fetch-arguments': 25,
  'minimum-battery': 26, // UM
  'update-priority': 27, // UM
  'version': 28, // UM
  'wait-info': 29, // UM
  'component-metadata': 30, // UM
} as const);

/** Parameters holding a UUID (vendor, class, device identifiers, §8.4.8.2-8.4.8.4). */
export const UUID_PARAMETERS: ReadonlySet<number> = new Set([PARAMETER.ids['vendor-identifier'], PARAMETER.ids['class-identifier'], PARAMETER.ids['device-identifier']]);

export const TEXT = space({
  'manifest-description': 1,
  'update-description': 2,
  'manifest-json-source': 3,
  'manifest-yaml-source': 4,
} as const);

export const COMPONENT_TEXT = space({
  'vendor-name': 1,
  'model-name': 2,
  'vendor-domain': 3,
  'model-info': 4,
  'component-description': 5,
  'component-version': 6,
  'version-required': 7, // UM
  'current-version': 8, // UM
} as const);

/** COSE hash algorithms usable in SUIT_Digest (§10, RFC 9053/IANA COSE Algorithms). */
export const DIGEST_ALGORITHM = space({ 'sha-256': -16, 'shake128': -18, 'sha-384': -43, 'sha-512': -44, 'shake256': -45 } as const);

/** Reporting policy bits (§8.4.9). The IETF examples use 15 for conditions and 2 for directives. */
export const REPORT = { recordOnSuccess: 1, recordOnFailure: 2, sysinfoOnSuccess: 4, sysinfoOnFailure: 8 } as const;
export const POLICY_CONDITION = 15;
export const POLICY_DIRECTIVE = 2;
/** Conditions that pick a try-each alternative fail by design: record successes only (IETF example 3 uses 5). */
export const POLICY_SELECTOR = REPORT.recordOnSuccess | REPORT.sysinfoOnSuccess;

/** Name of a label, or a descriptive placeholder for unknown and custom (negative) labels. */
export function labelName(names: ReadonlyMap<number, string>, n: number | bigint, kind: string): string {
  const known = typeof n === 'number' ? names.get(n) : undefined;
  if (known) return known;
  return n < 0 ? `custom-${kind}(${n})` : `unknown-${kind}(${n})`;
}
