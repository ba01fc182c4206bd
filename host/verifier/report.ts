/**
 * SUIT_Report encoding (draft-ietf-suit-report §3-4): the reference to the manifest (its
 * reference URI and SUIT_Digest), the nonce, the SUIT_Records the reporting policies asked for,
 * the result: true, or {code, failing record, reason}, and a capability report when asked for
 * (capabilities.ts). Records come from the core's `record` import. The digest is the one the
 * envelope's authentication wrapper states (§4: "exactly as reported in SUIT_Authentication,
 * element 0"), authenticated or not; only when the envelope could not be read that far is it
 * unknown, and then the reference carries an empty digest rather than a made-up one.
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
  /** The manifest digest the envelope states; undefined when it was not read that far. */
  manifestDigest?: Uint8Array;
  records: readonly RunRecord[];
  /** ok = true; otherwise the failure. */
  result: true | { code: number; reason: number; record: RunRecord | undefined };
  nonce?: Uint8Array;
  /** SUIT_Capability_Report (capabilities.ts), as a CBOR-ready map. */
  capabilities?: Map<unknown, unknown>;
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
  // suit-report-nonce 2, records 3, result 4, capabilities 8, reference 99 (deterministic order).
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
  if (input.capabilities) report.set(8, input.capabilities);
  report.set(99, [input.referenceUri ?? '', [-16, Buffer.from(input.manifestDigest ?? new Uint8Array(0))]]);
  return new Uint8Array(enc.encode(report));
}

/**
 * A SUIT_Report (as encodeSuitReport made it) with a nonce and / or a capability report put in
 * (replacing any), keys kept in deterministic order: what a board does when asked for a fresh,
 * protected copy of a report it keeps.
 */
export function withReportFields(report: Uint8Array, fields: Pick<ReportInput, 'nonce' | 'capabilities'>): Uint8Array {
  const m = dec.decode(Buffer.from(report)) as unknown;
  if (!(m instanceof Map)) throw new TypeError('not a SUIT_Report map');
  if (fields.nonce) m.set(2, Buffer.from(fields.nonce));
  if (fields.capabilities) m.set(8, fields.capabilities);
  const sorted = new Map([...m.entries()].sort((a, b) => Number(a[0]) - Number(b[0])));
  return new Uint8Array(enc.encode(sorted));
}
