/**
 * `suitrig report --port <url|name> [--json]` (DESIGN.md "Command line"): the board's last SUIT
 * report (rig group 67 command 0; draft-ietf-suit-report) and its last boot — what the board
 * decided about the last manifest it processed, why, and at which command. Exit 0 when the
 * report says ok, 1 when it records a failure, 2 when the board has no report to give (no rig
 * group, or it never processed a manifest) or cannot be reached.
 */
import { optional } from '../../../host/operator/board-state.js';
import { decodeSuitReport, reportSummary, type DecodedReport } from '../../../host/operator/suit-report.js';
import type { LastReport } from '../../../host/smp/groups/rig.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, optFlag, printJson, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { toHex } from '../../../host/util/hex.js';

function render(r: DecodedReport, last: LastReport): string {
  const lines = [
    `manifest  ${r.referenceUri || '(no reference URI)'}  digest ${r.digest.bytes.every((b) => b === 0) ? '(never authenticated)' : toHex(r.digest.bytes)}`,
    `result    ${reportSummary(r)}`,
  ];
  for (const rec of r.records) lines.push(`record    ${rec.manifest.length ? `dependency ${rec.manifest.join('.')} ` : ''}${rec.sectionName} sequence, offset ${rec.offset}, component ${rec.component}`);
  lines.push(`boot      #${last.boot.count}: ${last.boot.outcome} (reset reason ${last.boot.reason}, slot ${last.boot.slot})`);
  return lines.join('\n') + '\n';
}

export const reportCommand: Command = {
  path: ['report'],
  summary: "print a board's last SUIT report and boot record",
  usage: '--port <url|name> [--json]',
  details: [
    'Reads the SUIT_Report of the last manifest the board processed (rig group 67): the manifest',
    'it is about, the result (ok, or the reason code, suitrig\'s detail and the failing command),',
    'the records its reporting policy asked for, and the last boot (count, reason, outcome).',
    'Exit status: 0 the report says ok; 1 it records a failure; 2 no report or no board.',
  ].join('\n'),
  options: { ...PORT_OPTIONS, json: { type: 'boolean', description: 'one JSON document on stdout' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const conn = await connectBoard(args, io);
    const last = await useBoard(conn, 'report', () => optional(() => conn.client.rig.lastReport()));
    if (!last) throw new EnvironmentError(`${conn.description}: the board has no rig group (67), so it cannot give its SUIT report`);
    if (last.report.length === 0) throw new EnvironmentError(`${conn.description}: the board has not processed a SUIT manifest yet (last boot #${last.boot.count}: ${last.boot.outcome})`);
    let r: DecodedReport;
    try {
      r = decodeSuitReport(last.report);
    } catch (e) {
      throw new EnvironmentError(`${conn.description}: ${(e as Error).message}`);
    }
    if (optFlag(args, 'json')) {
      printJson(io, {
        port: conn.description,
        ok: r.result.ok,
        summary: reportSummary(r),
        referenceUri: r.referenceUri,
        manifestDigest: r.digest.bytes,
        result: r.result,
        records: r.records,
        boot: last.boot,
        report: last.report,
      });
    } else {
      io.stdout.write(render(r, last));
    }
    return r.result.ok ? EXIT_OK : EXIT_NEGATIVE;
  },
};
