/**
 * `suitrig status --port <url|name> [--json]` (DESIGN.md "Command line"): what a board says
 * about itself over SMP — where it is (its application or MCUboot serial recovery,
 * host/operator/run-state.ts), OS/application info, SMP buffers, bootloader and its mode, the image
 * slots with version, hash and flags, and on SUIT boards the installed manifest and (rig group)
 * the last boot, trust state and, on virtual boards, their test hooks, quirks and armed faults
 * (a board made to lie shows it). Each question stands alone: what the board does not report
 * — a command its build lacks (rc 8), an answer too large for its buffers (rc 7; OS info is then asked again
 * with fewer letters), a group error, no answer — is shown as not reported with the reason
 * (`notReported` in --json). Exit 0; 2 only when the board answers nothing at all.
 */
import { readBoardState, SHORT_OS_FORMAT, type BoardPart, type BoardState, type UnreportedItem } from '../../../host/operator/board-state.js';
import { RUN_STATE_TEXT, whereIsBoard } from '../../../host/operator/run-state.js';
import type { TrustState } from '../../../host/smp/groups/rig.js';
import type { ImageSlotState } from '../../../host/smp/image-state.js';
import { EXIT_OK, optFlag, printJson, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { TRACKER_OPTIONS, trackerFromArgs } from '../tracker-options.js';
import { boardStatus } from '../../service/client/board-status.js';
import { toHex } from '../../../host/util/hex.js';
import { jsonReplacer } from '../../../host/util/json.js';

const STATUS_PARTS: readonly BoardPart[] = ['os', 'params', 'bootloader', 'suit', 'images', 'rig'];

function flags(s: ImageSlotState): string {
  return (['active', 'confirmed', 'pending', 'permanent', 'bootable'] as const).filter((f) => s[f]).join(' ') || '-';
}

/** `not reported (why)`, or `fallback` when the item was not asked for. */
function missing(s: BoardState, item: UnreportedItem, fallback = 'not reported'): string {
  const why = s.unreported[item];
  return why ? `not reported (${why})` : fallback;
}

/**
 * A virtual board's deliberate breakage, as its trust state reports it (undefined for boards
 * that do not): whether its test hooks are served, its quirks, its armed faults.
 */
function testHooks(t: TrustState): string | undefined {
  if (t.testHooks === undefined && t.quirks === undefined && t.faults === undefined) return undefined;
  const parts = [t.testHooks ? 'on (rig commands 8 and 9 served)' : t.testHooks === false ? 'off (rig commands 8 and 9 refused)' : 'not reported'];
  if (t.quirks) parts.push(`quirks ${t.quirks.length ? t.quirks.join(', ') : 'none'}`);
  if (t.appDefault !== undefined && t.appDefault !== 'healthy') parts.push(`applications without an app header ${t.appDefault}`);
  const link = Object.entries(t.faults?.link ?? {});
  if (link.length) parts.push(`link faults ${link.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (t.faults?.powerCutBeforeOp !== undefined) parts.push(`power cut armed before flash operation ${t.faults.powerCutBeforeOp} from now`);
  return parts.join('; ');
}

function render(where: string, s: BoardState): string {
  const os = s.os ? `${s.os.text}${s.os.format === SHORT_OS_FORMAT ? ` (short form '${SHORT_OS_FORMAT}': the full answer does not fit the board's buffers)` : ''}` : missing(s, 'os');
  const at = whereIsBoard(s);
  const lines = [`board      ${where}`, `state      ${RUN_STATE_TEXT[at.state]} (${at.evidence})`, `os         ${os}`];
  lines.push(`smp        ${s.params ? `buffers ${s.params.bufSize} bytes x ${s.params.bufCount}` : `buffers ${missing(s, 'params')}; clients assume 384 x 1`}`);
  const bl = s.bootloader;
  const mode = bl?.mode ? `, ${bl.mode.name} (mode ${bl.mode.mode})${bl.mode.noDowngrade ? ', no downgrade' : ''}` : s.unreported.mode ? `, mode ${missing(s, 'mode')}` : '';
  lines.push(`bootloader ${bl ? `${bl.name}${mode}` : missing(s, 'bootloader')}`);
  if (!s.images) lines.push(`images     ${missing(s, 'images')}`);
  else if (s.images.length === 0) lines.push('images     none');
  for (const i of s.images ?? []) {
    lines.push(`image ${i.image}    slot ${i.slot}  ${i.version.padEnd(12)} ${flags(i).padEnd(32)} sha256 ${toHex(i.hash)}`);
  }
  if (s.suit) {
    lines.push(
      `suit       role 0x${s.suit.role.toString(16)}: sequence ${s.suit.sequenceNumber ?? '-'}${s.suit.semanticVersion?.length ? `, version ${s.suit.semanticVersion.join('.')}` : ''}${s.suit.digest ? `, digest ${toHex(s.suit.digest)}` : ''}`,
    );
  } else if (s.unreported.manifest) lines.push(`suit       manifest ${missing(s, 'manifest')}`);
  if (s.boot) lines.push(`boot       #${s.boot.count}: ${s.boot.outcome} (reset reason ${s.boot.reason}, slot ${s.boot.slot})`);
  if (s.trust) lines.push(`trust      stored sequence ${s.trust.sequence}, ${s.trust.anchors.length} anchor(s)${s.trust.require.length ? `, requires ${s.trust.require.join(', ')}` : ''}`);
  else if (s.unreported.trust) lines.push(`trust      ${missing(s, 'trust')}`);
  const hooks = s.trust && testHooks(s.trust);
  if (hooks) lines.push(`test hooks ${hooks}`);
  return lines.join('\n') + '\n';
}

export const statusCommand: Command = {
  path: ['status'],
  summary: 'show what a board reports: OS, SMP buffers, bootloader mode, image slots',
  usage: '--port <url|name> [--json] [--tracker URL --token T]',
  details: [
    'Asks the board over SMP for its OS/application info, MCUmgr parameters (buffer size and',
    'count), bootloader name and mode, and image slots (version, SHA-256 of the image TLV, flags);',
    'on SUIT boards also the installed manifest, and with the rig group the last boot and trust state;',
    'on virtual boards also whether their test hooks are served, their quirks and armed faults.',
    'Anything the board does not report is shown as not reported, with the reason: a command',
    'its build lacks (rc 8), an answer too large for its buffers (rc 7), a group error, no answer.',
    'With --tracker, what the board reports is also recorded by that lab service (a warning when',
    'it cannot be reached; the exit status stays the board\'s).',
    'Exit status: 0 when the board answered; 2 when it answers nothing at all.',
  ].join('\n'),
  options: { ...PORT_OPTIONS, ...TRACKER_OPTIONS, json: { type: 'boolean', description: 'one JSON document on stdout' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const tracker = trackerFromArgs(args, io);
    const conn = await connectBoard(args, io);
    const signal = io.signal ? { signal: io.signal } : {};
    const state = await useBoard(conn, 'status', () => readBoardState(conn.client, { parts: STATUS_PARTS, keepGoing: true, ...signal }));
    const doc = {
      port: conn.description,
      state: whereIsBoard(state),
      os: state.os?.text ?? null,
      osFormat: state.os?.format ?? null,
      smp: state.params ?? null,
      bootloader: state.bootloader ? { name: state.bootloader.name, mode: state.bootloader.mode?.mode ?? null, modeName: state.bootloader.mode?.name ?? null, noDowngrade: state.bootloader.mode?.noDowngrade ?? null } : null,
      images: state.images ?? null,
      suit: state.suit ?? null,
      boot: state.boot ?? null,
      trust: state.trust ?? null,
      notReported: state.unreported,
    };
    if (optFlag(args, 'json')) printJson(io, doc);
    else io.stdout.write(render(conn.description, state));
    await tracker?.report(conn, { kind: 'status', status: boardStatus(state), detail: JSON.parse(JSON.stringify(doc, jsonReplacer)) as Record<string, unknown> });
    return EXIT_OK;
  },
};
