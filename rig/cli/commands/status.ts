/**
 * `suitrig status --port <url|name> [--json]` (DESIGN.md "Command line"): what a board says
 * about itself over SMP — OS/application info, SMP buffers, bootloader and its mode, the image
 * slots with version, hash and flags, and on SUIT boards the installed manifest and (rig group)
 * the last boot. What the board does not implement (rc 8) is shown as not reported. Exit 0;
 * 2 when the board cannot be reached.
 */
import { optional, readBoardState, type BoardState } from '../../../host/operator/board-state.js';
import type { ImageSlotState } from '../../../host/smp/image-state.js';
import { EXIT_OK, optFlag, printJson, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { toHex } from '../../../host/util/hex.js';

function flags(s: ImageSlotState): string {
  return (['active', 'confirmed', 'pending', 'permanent', 'bootable'] as const).filter((f) => s[f]).join(' ') || '-';
}

function render(where: string, os: string | undefined, s: BoardState): string {
  const lines = [`board      ${where}`, `os         ${os ?? 'not reported'}`];
  lines.push(`smp        ${s.params ? `buffers ${s.params.bufSize} bytes x ${s.params.bufCount}` : 'buffers not reported (clients assume 384 x 1)'}`);
  const bl = s.bootloader;
  lines.push(`bootloader ${bl ? `${bl.name}${bl.mode ? `, ${bl.mode.name} (mode ${bl.mode.mode})${bl.mode.noDowngrade ? ', no downgrade' : ''}` : ''}` : 'not reported'}`);
  if (!s.images) lines.push('images     no image group');
  else if (s.images.length === 0) lines.push('images     none');
  for (const i of s.images ?? []) {
    lines.push(`image ${i.image}    slot ${i.slot}  ${i.version.padEnd(12)} ${flags(i).padEnd(32)} sha256 ${toHex(i.hash)}`);
  }
  if (s.suit) {
    lines.push(
      `suit       role 0x${s.suit.role.toString(16)}: sequence ${s.suit.sequenceNumber ?? '-'}${s.suit.semanticVersion?.length ? `, version ${s.suit.semanticVersion.join('.')}` : ''}${s.suit.digest ? `, digest ${toHex(s.suit.digest)}` : ''}`,
    );
  }
  if (s.boot) lines.push(`boot       #${s.boot.count}: ${s.boot.outcome} (reset reason ${s.boot.reason}, slot ${s.boot.slot})`);
  if (s.trust) lines.push(`trust      stored sequence ${s.trust.sequence}, ${s.trust.anchors.length} anchor(s)${s.trust.require.length ? `, requires ${s.trust.require.join(', ')}` : ''}`);
  return lines.join('\n') + '\n';
}

export const statusCommand: Command = {
  path: ['status'],
  summary: 'show what a board reports: OS, SMP buffers, bootloader mode, image slots',
  usage: '--port <url|name> [--json]',
  details: [
    'Asks the board over SMP for its OS/application info, MCUmgr parameters (buffer size and',
    'count), bootloader name and mode, and image slots (version, SHA-256 of the image TLV, flags);',
    'on SUIT boards also the installed manifest, and with the rig group the last boot and trust state.',
    'Anything the board does not implement is shown as not reported.',
  ].join('\n'),
  options: { ...PORT_OPTIONS, json: { type: 'boolean', description: 'one JSON document on stdout' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const conn = await connectBoard(args, io);
    const signal = io.signal ? { signal: io.signal } : {};
    const { os, state } = await useBoard(conn, 'status', async () => ({
      os: await optional(() => conn.client.os.info('a', signal)),
      state: await readBoardState(conn.client, signal),
    }));
    if (optFlag(args, 'json')) {
      printJson(io, {
        port: conn.description,
        os: os ?? null,
        smp: state.params ?? null,
        bootloader: state.bootloader ? { name: state.bootloader.name, mode: state.bootloader.mode?.mode ?? null, modeName: state.bootloader.mode?.name ?? null, noDowngrade: state.bootloader.mode?.noDowngrade ?? null } : null,
        images: state.images ?? null,
        suit: state.suit ?? null,
        boot: state.boot ?? null,
        trust: state.trust ?? null,
      });
    } else {
      io.stdout.write(render(conn.description, os, state));
    }
    return EXIT_OK;
  },
};
