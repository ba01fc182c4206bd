/**
 * `suitrig report --port <url|name> [--report-key <key>] [--nonce <hex>] [--capabilities] [--json]`
 * (DESIGN.md "Command line"): the board's last SUIT report (draft-ietf-suit-report) and its last
 * boot — what the board decided about the last manifest it processed, why, and at which command —
 * and what the report proves. The report is asked for with a fresh nonce (rig group 67 command
 * 2): the board puts the nonce into it and protects it (COSE_Sign1 with its report key, or
 * COSE_Mac0 with a key it shares with its operator, report draft §6); with --report-key the
 * protection is verified, and the nonce compared. A board without command 2 gives its plain
 * report (command 0), which proves nothing about who made it: said so.
 * Exit 0 when the report says ok (and, when checked, is authentic and fresh); 1 when it records a
 * failure or does not verify; 2 when the board has no report to give or cannot be reached.
 */
import { randomBytes } from 'node:crypto';
import { KeyError, keyId, parseTrustArg, type VerificationKey } from '../../../host/keys/index.js';
import { optional } from '../../../host/operator/board-state.js';
import { openProtectedReport, type OpenedReport } from '../../../host/operator/report-protection.js';
import { decodeSuitReport, reportSummary, type DecodedReport } from '../../../host/operator/suit-report.js';
import type { BootRecord } from '../../../host/smp/groups/rig.js';
import { COMMAND_NAMES } from '../../../host/verifier/index.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, printJson, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { toHex } from '../../../host/util/hex.js';

/** What the protection and the nonce establish, in one line each. */
interface Proof {
  protection: string;
  freshness: string;
  /** The report can be relied on: authentic (checked) and fresh. */
  proven: boolean;
  /** The check failed: the report must not be relied on. */
  broken: boolean;
}

function proof(opened: OpenedReport | undefined, r: DecodedReport, nonce: Uint8Array, keyArg: string | undefined): Proof {
  if (!opened) {
    return {
      protection: 'none: the board gives its report unprotected (no rig command 2), so anyone on the link could have made or altered it',
      freshness: 'no nonce: it may be an old report',
      proven: false,
      broken: false,
    };
  }
  const by = `${opened.structure} ${opened.algName}${opened.kid ? ` (key id ${toHex(opened.kid)})` : ''}`;
  const fresh = r.nonce !== undefined && Buffer.compare(Buffer.from(r.nonce), Buffer.from(nonce)) === 0;
  const freshness = fresh ? `nonce ${toHex(nonce)} is the one sent: the report was made for this request, not replayed` : `the report's nonce ${r.nonce ? toHex(r.nonce) : '(none)'} is not the one sent (${toHex(nonce)}): it may be replayed`;
  if (opened.check === 'unchecked') {
    return { protection: `${by}, not checked: give --report-key with the board's public (or shared) key to check it`, freshness, proven: false, broken: false };
  }
  if (opened.check === 'failed') {
    return { protection: `${by} does NOT verify with --report-key ${keyArg}: not made by that board, or altered`, freshness, proven: false, broken: true };
  }
  return {
    protection: `${by} verified with --report-key ${keyArg}: the board holding that key made this report and nothing altered it`,
    freshness,
    proven: fresh,
    broken: !fresh,
  };
}

function capabilityLines(r: DecodedReport): string[] {
  const c = r.capabilities;
  if (!c) return [];
  const comp = c.components.map((id) => `[${id.map((s) => (s === true ? '*' : `h'${toHex(s)}'`)).join(', ')}]`).join(' ');
  return [
    `capable   components ${comp || '(none)'}`,
    `capable   commands ${c.commands.map((n) => COMMAND_NAMES[n] ?? String(n)).join(' ')}`,
    `capable   parameters ${c.parameters.join(' ')}; algorithms ${c.algorithms.join(' ')}`,
  ];
}

function render(r: DecodedReport, boot: BootRecord, p: Proof): string {
  const digest = r.digest.bytes.length === 0 || r.digest.bytes.every((b) => b === 0) ? '(unknown: the board could not read the envelope that far)' : toHex(r.digest.bytes);
  const lines = [
    `protected ${p.protection}`,
    `fresh     ${p.freshness}`,
    `manifest  ${r.referenceUri || '(no reference URI)'}  digest ${digest}`,
    `result    ${reportSummary(r)}`,
  ];
  for (const rec of r.records) lines.push(`record    ${rec.manifest.length ? `dependency ${rec.manifest.join('.')} ` : ''}${rec.sectionName} sequence, offset ${rec.offset}, component ${rec.component}`);
  lines.push(...capabilityLines(r));
  lines.push(`boot      #${boot.count}: ${boot.outcome} (reset reason ${boot.reason}, slot ${boot.slot})`);
  lines.push(
    p.proven
      ? 'proves    this board decided this about the manifest with that digest, after this request'
      : p.broken
        ? 'proves    nothing: the report failed its check'
        : 'proves    nothing beyond what the link says: the report is not authenticated',
  );
  return lines.join('\n') + '\n';
}

function reportKey(arg: string | undefined, cwd: string): VerificationKey | undefined {
  if (arg === undefined) return undefined;
  try {
    return parseTrustArg(arg, cwd).key;
  } catch (e) {
    if (e instanceof KeyError) throw new EnvironmentError(`--report-key ${e.message}`);
    throw e;
  }
}

function nonceOption(arg: string | undefined): Uint8Array {
  if (arg === undefined) return new Uint8Array(randomBytes(16));
  if (!/^([0-9a-fA-F]{2}){8,64}$/.test(arg)) throw new UsageError(`--nonce: expected 8 to 64 bytes in hexadecimal, got '${arg}'`);
  return new Uint8Array(Buffer.from(arg, 'hex'));
}

export const reportCommand: Command = {
  path: ['report'],
  summary: "print a board's last SUIT report, what protects it, and its boot record",
  usage: '--port <url|name> [--report-key <key>] [--nonce <hex>] [--capabilities] [--json]',
  details: [
    'Reads the SUIT_Report of the last manifest the board processed (rig group 67): the manifest',
    "it is about, the result (ok, or the reason code, suitrig's detail and the failing command),",
    'the records its reporting policy asked for, and the last boot (count, reason, outcome).',
    'The report is asked for with a nonce (random, or --nonce) and comes back protected by the',
    "board (COSE_Sign1 or COSE_Mac0, draft-ietf-suit-report §6); --report-key (the board's public",
    'key, PEM or COSE_Key, or the HMAC key it shares) checks it. --capabilities asks for the',
    "board's capability report too (boards add it by themselves to reports of runs that used",
    'something they do not implement).',
    'Exit status: 0 the report says ok (and, checked, is authentic and fresh); 1 it records a',
    'failure or fails its check; 2 no report or no board.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
    'report-key': { type: 'string', value: '<key>', description: "the board's report key: public key (PEM, COSE_Key) or shared HMAC key" },
    nonce: { type: 'string', value: '<hex>', description: 'the nonce to ask with (default: 16 random bytes)' },
    capabilities: { type: 'boolean', description: "ask for the board's capability report too" },
    json: { type: 'boolean', description: 'one JSON document on stdout' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const keyArg = optString(args, 'report-key');
    const key = reportKey(keyArg, io.cwd);
    const nonce = nonceOption(optString(args, 'nonce'));
    const conn = await connectBoard(args, io);
    const { protectedAnswer, plain } = await useBoard(conn, 'report', async () => {
      const protectedAnswer = await optional(() => conn.client.rig.protectedReport(nonce, optFlag(args, 'capabilities')));
      return { protectedAnswer, plain: protectedAnswer ? undefined : await optional(() => conn.client.rig.lastReport()) };
    });
    const answer = protectedAnswer ?? plain;
    if (!answer) throw new EnvironmentError(`${conn.description}: the board has no rig group (67), so it cannot give its SUIT report`);
    if (answer.report.length === 0) throw new EnvironmentError(`${conn.description}: the board has not processed a SUIT manifest yet (last boot #${answer.boot.count}: ${answer.boot.outcome})`);
    let opened: OpenedReport | undefined;
    let r: DecodedReport;
    try {
      opened = protectedAnswer ? openProtectedReport(answer.report, key) : undefined;
      r = decodeSuitReport(opened ? opened.report : answer.report);
    } catch (e) {
      throw new EnvironmentError(`${conn.description}: ${(e as Error).message}`);
    }
    if (!opened && key) io.stderr.write(`report: --report-key ${keyArg} not used: this board does not protect its reports (no rig command 2)\n`);
    const p = proof(opened, r, nonce, keyArg);
    if (optFlag(args, 'json')) {
      printJson(io, {
        port: conn.description,
        ok: r.result.ok && !p.broken,
        summary: reportSummary(r),
        protection: opened ? { structure: opened.structure, alg: opened.algName, ...(opened.kid ? { kid: opened.kid } : {}), check: opened.check } : null,
        ...(key ? { reportKeyId: keyId(key) } : {}),
        nonce,
        fresh: r.nonce !== undefined && Buffer.compare(Buffer.from(r.nonce), Buffer.from(nonce)) === 0,
        proven: p.proven,
        referenceUri: r.referenceUri,
        manifestDigest: r.digest.bytes,
        result: r.result,
        records: r.records,
        ...(r.capabilities ? { capabilities: r.capabilities } : {}),
        boot: answer.boot,
        report: answer.report,
      });
    } else {
      io.stdout.write(render(r, answer.boot, p));
    }
    return r.result.ok && !p.broken ? EXIT_OK : EXIT_NEGATIVE;
  },
};
