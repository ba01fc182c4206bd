/**
 * The operator's reading of a SUIT_Report as a board sends it over SMP (rig group 67;
 * draft-ietf-suit-report §4): bytes built with cborg, an independent encoder. A malformed
 * field is a ReportFormatError naming it, never a guessed value.
 */
import { describe, expect, it } from 'vitest';
import * as cborg from 'cborg';
import { decodeSuitReport, ReportFormatError } from '../../host/operator/suit-report.js';

const digest = new Uint8Array(32).fill(0xab);
const report = (reference: unknown): Uint8Array =>
  cborg.encode(
    new Map<number, unknown>([
      [3, []],
      [4, true],
      [99, reference],
    ]),
  );

describe('SUIT report from a board', () => {
  it('reads the reference URI and the manifest digest (SUIT_Digest [algorithm, bytes])', () => {
    const r = decodeSuitReport(report(['file://app.suit', [-16, digest]]));
    expect(r.referenceUri).toBe('file://app.suit');
    expect(r.digest).toEqual({ algorithm: -16, bytes: digest });
    expect(r.result).toEqual({ ok: true });
  });

  it('a digest algorithm that is not an integer is an error naming the reference, not NaN', () => {
    for (const alg of ['sha-256', 1.5, null]) {
      expect(() => decodeSuitReport(report(['file://app.suit', [alg, digest]]))).toThrow(ReportFormatError);
      expect(() => decodeSuitReport(report(['file://app.suit', [alg, digest]]))).toThrow(/suit-reference \(99\) is not \[uri, SUIT_Digest\]/);
    }
  });
});
