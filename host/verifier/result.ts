/**
 * What a verification or a run concluded, in the terms of draft-ietf-suit-report: the reason
 * (name and code, 0 ok ... 12 invoke-pending), suitrig's detail naming the exact check, and where
 * it happened (suit-report-result-record: manifest path, section, offset, component index).
 */
import { manifestPath, type VerifierCore } from './core.js';
import { detailName, detailText, reasonName, type ReasonName } from './reasons.js';

/** Manifest keys of the command sequences (manifest-37 §8.4, trust-domains §5-7). */
export const SECTION_NAMES: Readonly<Record<number, string>> = {
  3: 'shared',
  7: 'validate',
  8: 'load',
  9: 'invoke',
  15: 'dependency-resolution',
  16: 'payload-fetch',
  18: 'candidate-verification',
  20: 'install',
  24: 'uninstall',
};

export type SectionName = 'validate' | 'load' | 'invoke' | 'dependency-resolution' | 'payload-fetch' | 'candidate-verification' | 'install' | 'uninstall';

export const SECTION_KEYS: Readonly<Record<SectionName, number>> = {
  validate: 7,
  load: 8,
  invoke: 9,
  'dependency-resolution': 15,
  'payload-fetch': 16,
  'candidate-verification': 18,
  install: 20,
  uninstall: 24,
};

export function sectionName(key: number): string {
  return SECTION_NAMES[key] ?? `section ${key}`;
}

export interface Location {
  /** Manifest key of the command sequence (3 = the common / shared sequence). */
  section: number;
  sectionName: string;
  /** Byte offset of the command within that sequence's encoding. */
  offset: number;
  /** Component index, when the failure concerns one. */
  component?: number;
  /** SUIT_Record manifest-id: [] = root manifest, [n] = its n-th dependency, [n, m] = that one's m-th. */
  manifest: number[];
}

export interface Verdict {
  accepted: boolean;
  reason: ReasonName;
  reasonCode: number;
  /** suitrig detail: which check decided (suit-report-result-code). */
  detail: string;
  detailCode: number;
  /** One sentence for people. */
  message: string;
  /** Where a failure happened (absent on success and for envelope-level failures). */
  at?: Location;
}

/** The verdict the core left after its last verify or run. */
export function readVerdict(core: VerifierCore): Verdict {
  const e = core.exports;
  const code = e.result_reason();
  const d = e.result_detail();
  const v: Verdict = {
    accepted: code === 0,
    reason: reasonName(code),
    reasonCode: code,
    detail: detailName(d),
    detailCode: d,
    message: code === 0 ? 'accepted' : detailText(d),
  };
  const section = e.result_section();
  if (code !== 0 && section !== 0) {
    const comp = e.result_component();
    const dep = e.result_manifest();
    v.at = {
      section,
      sectionName: sectionName(section),
      offset: e.result_offset() >>> 0,
      ...(comp >= 0 ? { component: comp } : {}),
      manifest: manifestPath(dep),
    };
    const inDep = v.at.manifest.length ? `dependency ${v.at.manifest.join('.')}, ` : '';
    v.message += ` (${inDep}${v.at.sectionName} sequence, offset ${v.at.offset}${comp >= 0 ? `, component ${comp}` : ''})`;
  }
  return v;
}
