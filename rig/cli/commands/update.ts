/**
 * `suitrig update --port <url|name> <envelope.suit> [--payload <uri>=<file>]... [--trust
 * [role=]<key>... --require ROLES --device <identity.json> --sequence N] [--json]` (DESIGN.md
 * "Command line", "Data flow of one update"): one SUIT update of one board through
 * host/operator/update.ts — prediction with the verifier core when trust anchors are given,
 * envelope upload, the payload of each URI the board asks for (resumable), the board's decision
 * from its SUIT report, reset, and what boots. Exit 0 when the new image boots; 1 when the
 * board refused, reverted, or decided otherwise than predicted (with the board's reason); 2 for
 * usage and environment errors (including a payload the board asks for that was not given).
 * Step lines and upload progress go to stderr, the result to stdout.
 */
import { resetEvidence } from '../../../host/smp/reboot.js';
import { basename } from 'node:path';
import { MissingPayloadError, runUpdate, UpdateError, type UpdateEvent, type UpdateOutcome } from '../../../host/operator/update.js';
import type { BoardState } from '../../../host/operator/board-state.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, type CliIo, type Command } from '../command.js';
import { payloadFiles, readInputFile } from '../files.js';
import { DECRYPT_KEY_OPTION, policyFromArgs } from '../key-options.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { TRACKER_OPTIONS, trackerFromArgs } from '../tracker-options.js';
import { holdingItsBoard } from '../board-hold.js';
import { boardStatus } from '../../service/client/board-status.js';
import { jsonReplacer, jsonSafeInt } from '../../../host/util/json.js';
import { toHex } from '../../../host/util/hex.js';
import { labProvision } from '../../dut/provision.js';
import { progressBar, uploadSummary, type ProgressBar } from '../upload-progress.js';

function describeBoard(s: BoardState): string {
  const parts: string[] = [];
  if (s.params) parts.push(`SMP buf ${s.params.bufSize} x ${s.params.bufCount}`);
  if (s.bootloader) parts.push(`${s.bootloader.name}${s.bootloader.mode ? ` ${s.bootloader.mode.name}` : ''}`);
  if (s.suit) parts.push(s.suit.sequenceNumber !== undefined ? `SUIT manifest sequence ${s.suit.sequenceNumber}` : 'no SUIT manifest installed');
  if (s.trust) parts.push(`stored sequence ${s.trust.sequence}, ${s.trust.anchors.length} trust anchor${s.trust.anchors.length === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function stepLogger(io: CliIo, where: string, quiet: boolean): (e: UpdateEvent) => void {
  // One bar per upload (the envelope, then each payload URI), cleared before the next step line.
  let bar: { label: string; bar: ProgressBar } | undefined;
  const say = (label: string, text: string): void => {
    bar?.bar.clear();
    io.stderr.write(`${label.padEnd(9)} ${text}\n`);
  };
  return (e) => {
    switch (e.kind) {
      case 'board':
        say('board', `${where} (${describeBoard(e.state)})`);
        break;
      case 'prediction': {
        const p = e.prediction;
        const stored = e.storedSequence === undefined ? '' : `, stored sequence ${e.storedSequence}`;
        say('predicted', p.accepted ? `accept (sequence ${p.sequence}${stored}; signed by ${p.signers.join(', ') || 'a trusted key'})` : `refuse: ${p.reason} (${p.detail}): ${p.message}${stored}`);
        break;
      }
      case 'progress': {
        const label = e.what === 'envelope' ? 'envelope ' : `payload   ${e.uri}`;
        if (bar?.label !== label) bar = { label, bar: progressBar(io, label, quiet) };
        bar.bar.update(e.progress);
        break;
      }
      case 'sent':
        say(e.what, `${e.uri ? `${e.uri}  ` : ''}${uploadSummary(e.result)}`);
        break;
      case 'decision':
        say('decision', e.report ? (e.report.result.ok ? 'accepted by the board' : `refused by the board: ${e.report.result.reason} (${e.report.result.detail})`) : 'the board has no rig group: judged from what boots');
        break;
      case 'host-decision':
        say('decision', `${e.report.result.ok ? 'accepted' : `refused: ${e.report.result.reason} (${e.report.result.detail})`} by the host: the board has no SUIT group and did not verify the manifest itself`);
        break;
      case 'reset':
        say('reset', 'resetting the board');
        break;
      case 'rebooted':
        say('reset', `the board went through the reset (${e.proof}) and answered again after ${(e.ms / 1000).toFixed(1)} s`);
        break;
    }
  };
}

function outcomeJson(file: string, port: string, o: UpdateOutcome): unknown {
  const d = o.decision;
  return {
    envelope: file,
    port,
    result: o.result,
    exitCode: o.exitCode,
    message: o.message,
    manifestDigest: o.envelopeDigest,
    sequence: o.sequence ?? null,
    prediction: o.prediction ?? null,
    decision: d ? (d.result.ok ? { accepted: true } : { accepted: false, reason: d.result.reason, reasonCode: d.result.reasonCode, detail: d.result.detail, code: d.result.code, text: d.result.text, record: d.result.record ?? null }) : null,
    disagreement: o.disagreement ?? null,
    payloads: o.payloads,
    rebootMs: o.rebootMs ?? null,
    before: { suit: o.before.suit ?? null, boot: o.before.boot ?? null, trust: o.before.trust ?? null },
    after: o.after ? { suit: o.after.suit ?? null, boot: o.after.boot ?? null, images: o.after.images ?? null } : null,
  };
}

export const updateCommand: Command = holdingItsBoard({
  path: ['update'],
  summary: 'update a board with a SUIT envelope and its payloads, then reset it and report what boots',
  usage: '--port <url|name> <envelope.suit> [--payload <uri>=<file>]... [--trust [role=]<key>... --require ROLES --device <identity.json> --sequence N] [--json] [--tracker URL --token T]',
  details: [
    'Uploads the envelope (SUIT group), sends the payload of every URI the board asks for — each',
    '--payload key is the URI exactly as the manifest writes it — reads the board\'s decision from',
    'its SUIT report, resets it and checks what boots. A dropped link resumes where the board',
    'stopped. With --trust the host first predicts the decision with the same verifier core',
    '(trust anchors, --require roles, --device identity; --sequence and the vendor and class ids',
    'default to what the board reports) and flags a board that decides otherwise. A board named',
    "from the lab file brings its trust:, require:, identity: and decrypt-keys: for that. A board without the",
    'SUIT group cannot verify the manifest itself: the host verifies it with those trust anchors',
    'and sends the payload, an MCUboot image, through the image group, and says so.',
    'With --tracker, the outcome and what the board runs afterwards are recorded by that lab service',
    '(a warning when it cannot be reached; the exit status stays the update\'s), and the board is',
    'reserved there while the update runs: held by someone else, it is not touched (exit 2, naming',
    'who holds it until when) unless --wait queues for it.',
    'Exit status: 0 the new image boots; 1 refused, reverted, or the board disagreed with the',
    'prediction (the board\'s reason is printed); 2 usage or environment error.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
    ...TRACKER_OPTIONS,
    payload: { type: 'string', multiple: true, value: '<uri>=<file>', description: 'payload for a URI the manifest fetches (key: the URI exactly as written)' },
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'the board\'s trust anchor: predict its decision' },
    require: { type: 'string', value: 'ROLES', description: 'roles that must have signed (with --trust)' },
    device: { type: 'string', value: '<identity.json>', description: 'the board\'s identity for the prediction' },
    sequence: { type: 'string', value: 'N', description: 'the board\'s stored sequence number for the prediction (default: asked)' },
    'decrypt-key': { ...DECRYPT_KEY_OPTION, description: 'the board\'s key for encrypted payloads, for the prediction' },
    json: { type: 'boolean', description: 'one JSON document on stdout' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const json = optFlag(args, 'json');
    const trustArgs = optStrings(args, 'trust');
    for (const o of ['require', 'device', 'sequence']) if (optString(args, o) !== undefined && trustArgs.length === 0) throw new UsageError(`--${o} is for the prediction: it needs --trust`);
    if (optStrings(args, 'decrypt-key').length > 0 && trustArgs.length === 0) throw new UsageError('--decrypt-key is for the prediction: it needs --trust');
    const predict = trustArgs.length ? policyFromArgs(args, io.cwd) : undefined;
    const tracker = trackerFromArgs(args, io);
    const given = payloadFiles(optStrings(args, 'payload'), io.cwd);
    const envelope = readInputFile(file, io.cwd, 'envelope');
    const conn = await connectBoard(args, io);
    // A lab board's trust:, require: and identity: stand in for --trust, --require and --device.
    const lab = labProvision(conn.lab);
    const policy = predict ?? (lab?.trust.length ? { trust: lab.trust, ...(lab.require.length ? { require: lab.require } : {}), ...(lab.identity ? { device: lab.identity } : {}), ...(lab.decrypt ? { decrypt: lab.decrypt } : {}) } : undefined);
    const out = await useBoard(conn, 'update', async () => {
      try {
        return await runUpdate(conn.client, envelope, {
          payloads: given,
          ...(policy ? { predict: policy } : {}),
          reconnect: () => conn.reconnect(),
          ...resetEvidence(conn),
          ...(io.signal ? { signal: io.signal } : {}),
          onEvent: stepLogger(io, conn.description, json),
        });
      } catch (e) {
        if (e instanceof MissingPayloadError) throw new UsageError(e.message);
        if (e instanceof UpdateError) throw new EnvironmentError(e.message);
        throw e;
      }
    });
    const doc = outcomeJson(basename(file), conn.description, out);
    if (json) printJson(io, doc);
    else io.stdout.write(`result    ${out.result}: ${out.message}\n`);
    await tracker?.report(conn, {
      kind: 'update',
      outcome: {
        result: out.result,
        exit_code: out.exitCode,
        message: out.message.slice(0, 2000),
        ...(out.decision && !out.decision.result.ok ? { reason: out.decision.result.reason.slice(0, 64) } : {}),
        manifest_digest: toHex(out.envelopeDigest),
        ...(out.sequence !== undefined ? { sequence: jsonSafeInt(out.sequence) } : {}),
      },
      ...(out.after ? { status: boardStatus(out.after) } : {}),
      detail: JSON.parse(JSON.stringify(doc, jsonReplacer)) as Record<string, unknown>,
    });
    return out.exitCode === 0 ? EXIT_OK : EXIT_NEGATIVE;
  },
});
