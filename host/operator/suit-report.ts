/**
 * Reads a SUIT_Report (draft-ietf-suit-report §4) as a board sends it, for the operator's
 * `update` and `report`: the manifest it is about (reference URI and SUIT_Digest), the records
 * the reporting policy asked for, and the result — true, or the reason code (§4.2, 0 ok ...
 * 12 invoke-pending), suit-report-result-code (suitrig's detail naming the failed check) and
 * the record of the failing command. The bytes come from a board: every field is checked and
 * a malformed report is an error naming what is wrong, never a guess.
 *
 * ```
 * SUIT_Report = { ? 2: nonce bstr, 3: [* SUIT_Record], 4: true / {5: code, 6: SUIT_Record, 7: reason},
 *                 ? 8: SUIT_Capability_Report, 99: [reference-uri tstr, SUIT_Digest] }
 * SUIT_Record = [manifest-id [* uint], section int, offset uint, component-index uint, properties map]
 * ```
 */
import { decodeCbor } from '../suit/cbor/decode.js';
import { DETAILS, detailName, REASON_NAMES, sectionName } from '../verifier/index.js';

export interface ReportRecord {
  manifest: number[];
  section: number;
  sectionName: string;
  offset: number;
  component: number;
}

/** SUIT_Capability_Report (report draft §5), the lists a board gives. */
export interface Capabilities {
  /** Component identifiers; `true` as the last element: any component under that prefix. */
  components: (Uint8Array | true)[][];
  commands: number[];
  parameters: number[];
  algorithms: number[];
  /** Other lists by their key (5 envelope, 6 manifest, 7 common, 10 dependency, ...). */
  other: Record<number, number[]>;
}

export interface DecodedReport {
  nonce?: Uint8Array;
  referenceUri: string;
  /** SUIT_Digest of the manifest received (algorithm id and bytes): empty bytes when the board
   *  could not read the envelope that far (older boards sent all-zero bytes instead). */
  digest: { algorithm: number; bytes: Uint8Array };
  capabilities?: Capabilities;
  records: ReportRecord[];
  result:
    | { ok: true }
    | {
        ok: false;
        reasonCode: number;
        /** draft-ietf-suit-report reason name (unauthorised, condition-failed, ...). */
        reason: string;
        code: number;
        /** suitrig detail name of `code` (e.g. rollback, vendor-identifier). */
        detail: string;
        /** What the detail means, for people. */
        text: string;
        record?: ReportRecord;
      };
}

export class ReportFormatError extends Error {
  override name = 'ReportFormatError';
}

function fail(what: string): never {
  throw new ReportFormatError(`SUIT report: ${what}`);
}

function uintOf(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return fail(`${what} is not an unsigned integer`);
}

function record(v: unknown, what: string): ReportRecord | undefined {
  if (!Array.isArray(v) || v.length !== 5) fail(`${what} is not a SUIT_Record [manifest-id, section, offset, component, properties]`);
  const [m, section, offset, component] = v as unknown[];
  if (!Array.isArray(m)) fail(`${what} manifest-id is not an array`);
  if (typeof section !== 'number' || !Number.isSafeInteger(section)) fail(`${what} section is not an integer`);
  // The empty record [[], 0, 0, 0, {}] stands for "no failing command" (an envelope-level failure).
  if (m.length === 0 && section === 0) return undefined;
  return {
    manifest: m.map((x, i) => uintOf(x, `${what} manifest-id[${i}]`)),
    section,
    sectionName: sectionName(section),
    offset: uintOf(offset, `${what} offset`),
    component: uintOf(component, `${what} component index`),
  };
}

function ints(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > 1024) fail(`${what} is not a list of integers`);
  return v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) fail(`${what}[${i}] is not an integer`);
    return x;
  });
}

function capabilities(v: unknown): Capabilities {
  if (!(v instanceof Map)) fail('suit-report-capability-report (8) is not a map');
  const comps = v.get(1);
  if (!Array.isArray(comps) || comps.length > 1024) fail('capability report: components (1) is not a list');
  const components = comps.map((c, i) => {
    if (!Array.isArray(c) || !c.every((s, j) => s instanceof Uint8Array || (s === true && j === c.length - 1))) fail(`capability report: component ${i} is not [* bstr, ? true]`);
    return c as (Uint8Array | true)[];
  });
  const other: Record<number, number[]> = {};
  for (const [k, list] of v) if (typeof k === 'number' && k > 4) other[k] = ints(list, `capability report list ${k}`);
  return { components, commands: ints(v.get(2), 'capability report: commands (2)'), parameters: ints(v.get(3), 'capability report: parameters (3)'), algorithms: ints(v.get(4), 'capability report: algorithms (4)'), other };
}

export function decodeSuitReport(bytes: Uint8Array): DecodedReport {
  if (bytes.length === 0) fail('empty (the board has not produced one)');
  let v: unknown;
  try {
    v = decodeCbor(bytes, 'SUIT report');
  } catch (e) {
    fail(`not CBOR (${(e as Error).message})`);
  }
  if (!(v instanceof Map)) fail('not a map');
  const m = v as Map<unknown, unknown>;
  const ref = m.get(99);
  if (!Array.isArray(ref) || ref.length !== 2 || typeof ref[0] !== 'string' || !Array.isArray(ref[1]) || ref[1].length !== 2 || !Number.isSafeInteger(ref[1][0]) || !(ref[1][1] instanceof Uint8Array)) {
    fail('suit-reference (99) is not [uri, SUIT_Digest]');
  }
  const recs = m.get(3);
  if (!Array.isArray(recs)) fail('suit-report-records (3) is not an array');
  if (recs.length > 4096) fail(`${recs.length} records is more than a board can have sent`);
  const records = recs.map((r, i) => record(r, `record ${i}`)).filter((r): r is ReportRecord => r !== undefined);
  const res = m.get(4);
  let result: DecodedReport['result'];
  if (res === true) result = { ok: true };
  else if (res instanceof Map) {
    const reasonCode = uintOf(res.get(7), 'result reason (7)');
    const code = uintOf(res.get(5), 'result code (5)');
    const rec = record(res.get(6), 'result record (6)');
    result = {
      ok: false,
      reasonCode,
      reason: REASON_NAMES[reasonCode] ?? `reason ${reasonCode}`,
      code,
      detail: detailName(code),
      text: DETAILS[code]?.[1] ?? `detail code ${code}`,
      ...(rec ? { record: rec } : {}),
    };
  } else fail('suit-report-result (4) is neither true nor a result map');
  const nonce = m.get(2);
  return {
    ...(nonce instanceof Uint8Array ? { nonce } : {}),
    ...(m.has(8) ? { capabilities: capabilities(m.get(8)) } : {}),
    referenceUri: ref[0] as string,
    digest: { algorithm: ref[1][0] as number, bytes: ref[1][1] as Uint8Array },
    records,
    result,
  };
}

/** One line: `accepted` or `refused: unauthorised (not-trusted: no signature ... ) at install sequence, offset 19, component 0`. */
export function reportSummary(r: DecodedReport): string {
  if (r.result.ok) return 'accepted';
  const x = r.result;
  const at = x.record ? ` at the ${x.record.sectionName} sequence, offset ${x.record.offset}, component ${x.record.component}` : '';
  return `refused: ${x.reason} (${x.detail}: ${x.text})${at}`;
}
