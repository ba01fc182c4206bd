/**
 * SUIT_Report encoding (draft-ietf-suit-report §3-4): the reference to the manifest (its
 * reference URI and SUIT_Digest), the SUIT_Records the reporting policies asked for, and the
 * result: true, or {code, failing record, reason}. Records come from the core's `record` import.
 */
import { Encoder, Decoder } from 'cbor-x';
import type { CoreRecord } from './core.js';
import { commandName } from './names.js';
import { sectionName } from './result.js';

const enc = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false, variableMapSize: true });
const dec = new Decoder({ mapsAsObjects: false, useRecords: false });

/** One executed command (a SUIT_Record plus what the trace needs). */
export interface RunRecord {
  /** suit-record-manifest-id: [] root, [n] its n-th dependency, [n, m] that one's m-th, ... */
  manifest: number[];
  /** suit-record-manifest-section: manifest key of the sequence (3 = shared sequence). */
  section: number;
  sectionName: string;
  /** suit-record-section-offset: byte offset of the command in that sequence. */
  offset: number;
  /** suit-record-component-index (-1: the command concerns no component). */
  component: number;
  command: number;
  commandName: string;
  /** The command's SUIT_Reporting_Policy bits (0 record-on-success, 1 record-on-failure, ...). */
  policy: number;
  outcome: 'passed' | 'failed' | 'not-evaluated';
  /** suit-record-properties: measured values (CBOR-encoded SUIT_Parameters map). */
  properties: Uint8Array;
  /** Platform handle of the component (-2 never opened, -1 unsupported): not reported. */
  handle: number;
}

/** A record as the core's `record` import gives it, named for traces and reports. */
export function runRecord(r: CoreRecord): RunRecord {
  return {
    manifest: r.manifest,
    section: r.section,
    sectionName: sectionName(r.section),
    offset: r.offset,
    component: r.component,
    command: r.command,
    commandName: commandName(r.command),
    policy: r.policy,
    outcome: r.outcome === 0 ? 'passed' : r.outcome === 1 ? 'failed' : 'not-evaluated',
    properties: r.properties,
    handle: r.handle,
  };
}

export interface ReportInput {
  referenceUri?: string;
  manifestDigest: Uint8Array;
  records: readonly RunRecord[];
  /** ok = true; otherwise the failure. */
  result: true | { code: number; reason: number; record: RunRecord | undefined };
  nonce?: Uint8Array;
}

/** Whether the reporting policy asks for this record (bit 0 on success, bit 1 on failure). */
export function wanted(r: RunRecord): boolean {
  return (r.outcome === 'failed' ? r.policy & 2 : r.policy & 1) !== 0;
}

function suitRecord(r: RunRecord | undefined): unknown[] {
  if (!r) return [[], 0, 0, 0, new Map()];
  const props = r.properties.length > 0 ? (dec.decode(Buffer.from(r.properties)) as unknown) : new Map();
  return [r.manifest, r.section, r.offset, Math.max(0, r.component), props];
}

export function encodeSuitReport(input: ReportInput): Uint8Array {
  const report = new Map<number, unknown>();
  // suit-report-nonce 2, records 3, result 4, reference 99 (deterministic order: 2, 3, 4, 99).
  if (input.nonce) report.set(2, Buffer.from(input.nonce));
  report.set(3, input.records.filter(wanted).map(suitRecord));
  report.set(
    4,
    input.result === true
      ? true
      : new Map<number, unknown>([
          [5, input.result.code],
          [6, suitRecord(input.result.record)],
          [7, input.result.reason],
        ]),
  );
  report.set(99, [input.referenceUri ?? '', [-16, Buffer.from(input.manifestDigest)]]);
  return new Uint8Array(enc.encode(report));
}
