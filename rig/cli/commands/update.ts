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
import { basename } from 'node:path';
import { parseRequireArg } from '../../../host/keys/index.js';
import { MissingPayloadError, runUpdate, UpdateError, type UpdateEvent, type UpdateOutcome } from '../../../host/operator/update.js';
import { ReportFormatError } from '../../../host/operator/suit-report.js';
import type { BoardState } from '../../../host/operator/board-state.js';
import { SmpClient, SmpTimeoutError } from '../../../host/smp/client.js';
import { SmpErrorResponse } from '../../../host/smp/errors.js';
import { SmpProtocolError } from '../../../host/smp/fields.js';
import type { UploadProgress } from '../../../host/smp/upload/engine.js';
import { UploadError } from '../../../host/smp/upload/engine.js';
import { openPort } from '../../../host/transport/open.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../../../host/transport/transport.js';
import { relocateTarget, resolvePortOption, type PortTarget } from '../../lab/resolve.js';
import { QUIRKS, type Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, optUint, printJson, requireString, type CliIo, type Command, type OptionDef, type ParsedArgs } from '../command.js';
import { identity, payloads, readEnvelope, trustAnchors } from './verify.js';

/** `--port`, `--lab`, `--baud`: how every single-board command reaches its board. */
export const PORT_OPTIONS: Record<string, OptionDef> = {
  port: { type: 'string', value: '<url|name>', description: 'device path, tcp://host:port, virtual, or a board name from the lab file' },
  lab: { type: 'string', value: '<rig.yaml>', description: 'lab file for board names (default ./rig.yaml when present)' },
  baud: { type: 'string', value: '<baud>', description: 'line rate (default: the lab\'s, else 115200)' },
};

export interface BoardConnection {
  client: SmpClient;
  /** `/dev/ttyACM0`, `tcp://...`, or `virtual`. */
  description: string;
  /** A fresh client on the port opened again (after it vanished). */
  reconnect(): Promise<SmpClient>;
  close(): Promise<void>;
}

/** Opens `--port` (with `--lab`, `--baud`): a serial port, a TCP endpoint, or a fresh in-process virtual board. */
export async function connectBoard(args: ParsedArgs, io: CliIo): Promise<BoardConnection> {
  const resolved = await resolvePortOption({ port: requireString(args, 'port'), cwd: io.cwd, ...(optString(args, 'lab') !== undefined ? { lab: optString(args, 'lab')! } : {}), ...(optString(args, 'baud') !== undefined ? { baud: optString(args, 'baud')! } : {}) });
  const resolvedTarget = resolved.target;
  if (resolvedTarget.kind === 'virtual') {
    const spec = resolvedTarget.virtual;
    const quirks = spec.quirks.map((q): Quirk => {
      if (!(QUIRKS as readonly string[]).includes(q)) throw new UsageError(`virtual board quirk '${q}': expected one of ${QUIRKS.join(', ')}`);
      return q as Quirk;
    });
    const board = await VirtualBoard.open({ name: resolved.name, ...(spec.profile ? { profile: spec.profile } : {}), ...(spec.state ? { stateDir: spec.state } : {}), quirks });
    const link = await board.connect({ baudRate: resolvedTarget.baud });
    return {
      client: link.client,
      description: `in-process virtual board (${board.profile.name}) at ${resolvedTarget.baud} baud`,
      reconnect: () => link.reconnect(),
      close: async () => {
        await link.close();
        await board.close();
      },
    };
  }
  let target: Exclude<PortTarget, { kind: 'virtual' }> = resolvedTarget;
  const open = async (): Promise<SmpClient> => {
    try {
      return SmpClient.over(await openPort(target.url, { baudRate: target.baud }));
    } catch (e) {
      if (e instanceof PortOpenError) throw new EnvironmentError(e.message);
      throw e;
    }
  };
  let client = await open();
  return {
    client,
    description: target.kind === 'serial' ? `${target.path} @ ${target.baud}` : target.url,
    reconnect: async () => {
      await client.close().catch(() => undefined);
      target = (await relocateTarget(target)) as typeof target;
      client = await open();
      return client;
    },
    close: () => client.close().catch(() => undefined),
  };
}

/** Errors of the link and the board as exit-2 environment errors. */
export function linkError(e: unknown, where: string): unknown {
  if (e instanceof SmpTimeoutError || e instanceof TransportClosedError || e instanceof TransportTimeoutError || e instanceof UploadError || e instanceof SmpErrorResponse || e instanceof SmpProtocolError || e instanceof ReportFormatError) {
    return new EnvironmentError(`${where}: ${e.message}`);
  }
  return e;
}

function kib(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

function rate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1000).toFixed(1)} KB/s`;
}

function describeBoard(s: BoardState): string {
  const parts: string[] = [];
  if (s.params) parts.push(`SMP buf ${s.params.bufSize} x ${s.params.bufCount}`);
  if (s.bootloader) parts.push(`${s.bootloader.name}${s.bootloader.mode ? ` ${s.bootloader.mode.name}` : ''}`);
  if (s.suit) parts.push(s.suit.sequenceNumber !== undefined ? `SUIT manifest sequence ${s.suit.sequenceNumber}` : 'no SUIT manifest installed');
  if (s.trust) parts.push(`stored sequence ${s.trust.sequence}, ${s.trust.anchors.length} trust anchor${s.trust.anchors.length === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** Progress bar on a terminal (redrawn in place); nothing when stderr is not one. */
function progressLine(io: CliIo, label: string, p: UploadProgress): void {
  if (!io.stderr.isTTY) return;
  const width = 30;
  const done = Math.round((p.done / p.total) * width);
  const eta = p.etaMs === undefined ? '' : ` ${Math.floor(p.etaMs / 60000)}:${String(Math.round((p.etaMs % 60000) / 1000)).padStart(2, '0')} left`;
  io.stderr.write(`\r\x1b[K${label} [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${Math.floor((p.done / p.total) * 100)}%  ${kib(p.done)}/${kib(p.total)}  ${rate(p.bytesPerSecond)}${eta}`);
}

function stepLogger(io: CliIo, where: string, quiet: boolean): (e: UpdateEvent) => void {
  const say = (label: string, text: string): void => {
    if (io.stderr.isTTY && !quiet) io.stderr.write('\r\x1b[K');
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
      case 'progress':
        if (!quiet) progressLine(io, e.what === 'envelope' ? 'envelope ' : `payload   ${e.uri}`, e.progress);
        break;
      case 'sent':
        say(e.what, `${e.uri ? `${e.uri}  ` : ''}${kib(e.result.bytes)} in ${(e.result.elapsedMs / 1000).toFixed(1)} s${e.result.elapsedMs > 0 ? ` (${rate((e.result.bytes * 1000) / e.result.elapsedMs)})` : ''}${e.result.resumedFrom ? `, resumed from ${e.result.resumedFrom}` : ''}${e.result.reconnects ? `, ${e.result.reconnects} reconnect(s)` : ''}`);
        break;
      case 'decision':
        say('decision', e.report ? (e.report.result.ok ? 'accepted by the board' : `refused by the board: ${e.report.result.reason} (${e.report.result.detail})`) : 'the board has no rig group: judged from what boots');
        break;
      case 'reset':
        say('reset', 'resetting the board');
        break;
      case 'rebooted':
        say('reset', `the board answered again after ${(e.ms / 1000).toFixed(1)} s`);
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

export const updateCommand: Command = {
  path: ['update'],
  summary: 'update a board with a SUIT envelope and its payloads, then reset it and report what boots',
  usage: '--port <url|name> <envelope.suit> [--payload <uri>=<file>]... [--trust [role=]<key>... --require ROLES --device <identity.json> --sequence N] [--json]',
  details: [
    'Uploads the envelope (SUIT group), sends the payload of every URI the board asks for — each',
    '--payload key is the URI exactly as the manifest writes it — reads the board\'s decision from',
    'its SUIT report, resets it and checks what boots. A dropped link resumes where the board',
    'stopped. With --trust the host first predicts the decision with the same verifier core',
    '(trust anchors, --require roles, --device identity; --sequence defaults to what the board',
    'reports) and flags a board that decides otherwise.',
    'Exit status: 0 the new image boots; 1 refused, reverted, or the board disagreed with the',
    'prediction (the board\'s reason is printed); 2 usage or environment error.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
    payload: { type: 'string', multiple: true, value: '<uri>=<file>', description: 'payload for a URI the manifest fetches (key: the URI exactly as written)' },
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'the board\'s trust anchor: predict its decision' },
    require: { type: 'string', value: 'ROLES', description: 'roles that must have signed (with --trust)' },
    device: { type: 'string', value: '<identity.json>', description: 'the board\'s identity for the prediction' },
    sequence: { type: 'string', value: 'N', description: 'the board\'s stored sequence number for the prediction (default: asked)' },
    json: { type: 'boolean', description: 'one JSON document on stdout' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const json = optFlag(args, 'json');
    const trustArgs = optStrings(args, 'trust');
    for (const o of ['require', 'device', 'sequence']) if (optString(args, o) !== undefined && trustArgs.length === 0) throw new UsageError(`--${o} is for the prediction: it needs --trust`);
    let require: string[] | undefined;
    const req = optString(args, 'require');
    if (req !== undefined) {
      try {
        require = parseRequireArg(req);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const storedSequence = optUint(args, 'sequence');
    const given = payloads(optStrings(args, 'payload'), io.cwd);
    const envelope = readEnvelope(file, io.cwd);
    const device = identity(optString(args, 'device'), io.cwd);
    const predict = trustArgs.length
      ? { trust: trustAnchors(trustArgs, io.cwd), ...(require ? { require } : {}), ...(storedSequence !== undefined ? { storedSequence } : {}), ...(device ? { device } : {}) }
      : undefined;
    const conn = await connectBoard(args, io);
    let out: UpdateOutcome;
    try {
      out = await runUpdate(conn.client, envelope, {
        payloads: given,
        ...(predict ? { predict } : {}),
        reconnect: () => conn.reconnect(),
        ...(io.signal ? { signal: io.signal } : {}),
        onEvent: stepLogger(io, conn.description, json),
      });
    } catch (e) {
      if (e instanceof MissingPayloadError) throw new UsageError(e.message);
      if (e instanceof UpdateError) throw new EnvironmentError(e.message);
      throw linkError(e, `update of ${conn.description}`);
    } finally {
      await conn.close();
    }
    if (json) printJson(io, outcomeJson(basename(file), conn.description, out));
    else io.stdout.write(`result    ${out.result}: ${out.message}\n`);
    return out.exitCode === 0 ? EXIT_OK : EXIT_NEGATIVE;
  },
};
