/**
 * `suitrig flash --port <url|name> <mcuboot-image> [--test|--confirm]` (DESIGN.md "Command
 * line"): the MCUboot update of any SMP board, as `mcumgr image upload` + `image test` +
 * `reset` do it, with the link's fast resumable upload. Steps: read where the board is
 * (application or MCUboot serial recovery, host/operator/run-state.ts) and its bootloader mode;
 * upload (progress bar on a terminal; resumes after a dropped link) to the slot the board
 * chooses; find the image by its SHA-256 TLV in the board's image list; mark it for a test boot
 * (default) or permanently (--confirm) where marks decide what boots — not in serial recovery
 * (it writes the primary slot) nor under a direct-XIP or RAM-load bootloader (it boots the
 * highest valid version, host/operator/boot-choice.ts); reset, wait for the board, and report
 * what boots. Exit 0 when the new image runs; 1 when the board refused or still runs another
 * image; 2 for usage and environment errors.
 */
import { basename } from 'node:path';
import { formatVersion, TLV, type ImageHeader } from '../../../host/mcuboot/format.js';
import { parseImage } from '../../../host/mcuboot/verify.js';
import { optional, readBoardState, type BoardState } from '../../../host/operator/board-state.js';
import { markUploaded, type MarkResult } from '../../../host/operator/mark-image.js';
import { RUN_STATE_TEXT, whereIsBoard, type Whereabouts } from '../../../host/operator/run-state.js';
import { SmpTimeoutError } from '../../../host/smp/client.js';
import { SmpErrorResponse } from '../../../host/smp/errors.js';
import { boardVersion, type ImageSlotState } from '../../../host/smp/image-state.js';
import { UploadError, type UploadResult } from '../../../host/smp/upload/engine.js';
import { ConsoleWatch } from '../../../host/smp/console-watch.js';
import { ResetNotObservedError, rebootAndWait, resetEvidence } from '../../../host/smp/reboot.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, optFlag, printJson, type CliIo, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { TRACKER_OPTIONS, trackerFromArgs } from '../tracker-options.js';
import { holdingItsBoard } from '../board-hold.js';
import { jsonReplacer } from '../../../host/util/json.js';
import { kib } from '../../../host/util/units.js';
import { progressBar, uploadSummary } from '../upload-progress.js';
import { readInputFile } from '../files.js';
import { BOOT_WAIT_MS } from './reboot.js';
import { toHex } from '../../../host/util/hex.js';

interface ImageFile {
  file: string;
  bytes: Uint8Array;
  version: string;
  header: ImageHeader;
  /** The SHA256 TLV: what the board names the image by. */
  hash: Uint8Array;
}

function readImage(file: string, cwd: string): ImageFile {
  const bytes = readInputFile(file, cwd, 'image', `cannot read ${file}`);
  try {
    const img = parseImage(bytes);
    const sha = img.tlvs.find((t) => t.type === TLV.SHA256);
    if (!sha) throw new Error('it has no SHA256 TLV');
    return { file, bytes, version: formatVersion(img.header.version), header: img.header, hash: sha.value };
  } catch (e) {
    throw new UsageError(`${file} is not an MCUboot image: ${(e as Error).message} (make one with 'suitrig image create' or imgtool)`);
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** `application (its image manager runs slot 0 ...), MCUboot swap using move (mode 3)`. */
function boardLine(s: BoardState, where: Whereabouts): string {
  const mode = s.bootloader?.mode;
  const bootloader = mode ? `${s.bootloader!.name} ${mode.name} (mode ${mode.mode})` : `bootloader mode not reported (${s.unreported.bootloader ?? s.unreported.mode ?? 'no answer'})`;
  return `${RUN_STATE_TEXT[where.state]}: ${where.evidence}; ${bootloader}`;
}

function say(io: CliIo, label: string, text: string): void {
  io.stderr.write(`${label.padEnd(9)} ${text}\n`);
}

export const flashCommand: Command = holdingItsBoard({
  path: ['flash'],
  summary: 'upload an MCUboot image to a board, mark it (test or permanent), reset, report what boots',
  usage: '--port <url|name> <mcuboot-image> [--test|--confirm] [--json] [--tracker URL --token T]',
  details: [
    'Uploads the image over SMP to the slot the board chooses (pipelined up to the board\'s',
    'buffer count, resumable: run it again after an interruption and it continues where the',
    'board stopped), marks it for a test boot (--test, the default: MCUboot reverts it unless the',
    'new application confirms itself) or permanently (--confirm), resets the board and reports',
    'which image runs afterwards. Nothing is marked in MCUboot serial recovery (it writes the',
    'primary slot) or under a direct-XIP or RAM-load bootloader (it boots the valid image with',
    'the highest version; known from the board\'s bootloader info, or from the image\'s RAM_LOAD',
    'flag when the board does not report its mode): the command says which applies.',
    'With --tracker, the outcome and the image that runs are recorded by that lab service (a warning',
    'when it cannot be reached; the exit status stays the flash\'s), and the board is reserved there',
    'while the flash runs: held by someone else, it is not touched (exit 2, naming who holds it until',
    'when) unless --wait queues for it.',
    'Exit status: 0 the new image runs; 1 the board refused it or runs another image; 2 usage or',
    'environment error.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
    ...TRACKER_OPTIONS,
    test: { type: 'boolean', description: 'mark the image for one test boot (default)' },
    confirm: { type: 'boolean', description: 'mark the image permanent (no revert)' },
    json: { type: 'boolean', description: 'one JSON document on stdout (no progress bar)' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    if (optFlag(args, 'test') && optFlag(args, 'confirm')) throw new UsageError('--test and --confirm exclude each other');
    const permanent = optFlag(args, 'confirm');
    const json = optFlag(args, 'json');
    const image = readImage(args.positionals[0]!, io.cwd);
    const tracker = trackerFromArgs(args, io);
    const signal = io.signal ? { signal: io.signal } : {};
    const conn = await connectBoard(args, io);
    let client = conn.client;
    const out = {
      port: conn.description,
      image: { file: basename(image.file), version: image.version, hash: image.hash, size: image.bytes.length },
      board: null as { state: Whereabouts['state']; bootloaderMode: number | null } | null,
      upload: undefined as (UploadResult & { kbPerS: number }) | undefined,
      marked: 'none' as 'test' | 'permanent' | 'none',
      rebootMs: null as number | null,
      resetProof: null as string | null,
      running: null as ImageSlotState | null,
      booted: false,
      message: '',
    };
    const finish = (code: number, message: string): number => {
      out.message = message;
      if (json) printJson(io, out);
      else io.stdout.write(`result    ${message}\n`);
      return code;
    };
    const code = await useBoard(conn, 'flash', async () => {
      say(io, 'image', `${basename(image.file)}  ${image.version}  ${kib(image.bytes.length)}  sha256 ${toHex(image.hash)}`);
      const before = await readBoardState(client, { parts: ['os', 'bootloader', 'images'], ...signal });
      const where = whereIsBoard(before);
      const mode = before.bootloader?.mode;
      out.board = { state: where.state, bootloaderMode: mode?.mode ?? null };
      say(io, 'board', boardLine(before, where));
      // A board that reports its slots is asked before anything is sent: an image that cannot fit is the board's no, not a failed upload.
      const slots = await optional(() => client.image.slotInfo(signal));
      const room = slots?.find((i) => i.image === 0)?.slots.find((s) => s.slot === (where.state === 'serial-recovery' ? 0 : 1))?.size;
      if (room !== undefined && image.bytes.length > room) {
        return finish(EXIT_NEGATIVE, `the image (${image.bytes.length} bytes) is larger than the board's slot (${room} bytes): it cannot take it`);
      }
      const bar = progressBar(io, `upload    ${basename(image.file)}`, json);
      let r: UploadResult;
      try {
        r = await client.image.upload(image.bytes, { reconnect: async () => (client = await conn.reconnect()), onProgress: (p) => bar.update(p), ...signal });
      } catch (e) {
        // The board refused the upload itself (too large, no room, a bad image header): a negative answer, not a broken link.
        if (e instanceof UploadError && e.cause instanceof SmpErrorResponse) return finish(EXIT_NEGATIVE, `the board refused the image: ${e.message}`);
        throw e;
      } finally {
        bar.clear();
      }
      out.upload = { ...r, kbPerS: r.elapsedMs > 0 ? (r.bytes * 1000) / r.elapsedMs / 1000 : 0 };
      say(
        io,
        'upload',
        uploadSummary(r) +
          `${r.match === true ? ', SHA-256 verified by the board' : ', the board does not report a SHA-256 check'}`,
      );

      const images = (await client.image.state(signal)).images;
      const listed = images.find((s) => same(s.hash, image.hash));
      if (!listed) return finish(EXIT_NEGATIVE, `the board does not list the uploaded image (sha256 ${toHex(image.hash)}): it refused it as an image`);
      say(io, 'slot', `the image is in slot ${listed.slot}${listed.active ? ', the one running' : ''}`);
      let mark: MarkResult;
      try {
        mark = await markUploaded(client, { where, mode, header: image.header, hash: image.hash, images, listed, permanent }, signal);
      } catch (e) {
        if (e instanceof SmpErrorResponse) return finish(EXIT_NEGATIVE, `the board refused to mark the image: ${e.message}`);
        throw e;
      }
      out.marked = mark.marked;
      say(io, 'mark', mark.note);

      say(io, 'reset', 'resetting the board');
      // The bootloader says why it refuses an image on its console only (MCUboot: "E: Image in
      // the secondary slot is not valid!"): keep its error lines to give the reason with the verdict.
      const bootConsole = new ConsoleWatch();
      bootConsole.watch(client);
      const negative = (message: string): number => finish(EXIT_NEGATIVE, `${message}${bootConsole.said('the bootloader')}`);
      let back;
      try {
        back = await rebootAndWait(client, { how: 'smp' }, { reconnect: async () => (client = await conn.reconnect()), timeoutMs: BOOT_WAIT_MS, ...resetEvidence(conn), ...signal });
      } catch (e) {
        if (e instanceof SmpTimeoutError) return finish(EXIT_NEGATIVE, `the board did not come back after the reset: ${e.message}`);
        if (e instanceof ResetNotObservedError) return finish(EXIT_NEGATIVE, e.message);
        throw e;
      }
      if (back.client !== client) bootConsole.watch(back.client);
      client = back.client;
      out.rebootMs = back.ms;
      out.resetProof = back.proof;
      say(io, 'reset', `the board went through the reset (${back.proof}) and answered again after ${(back.ms / 1000).toFixed(1)} s`);
      const after = await optional(() => client.image.state(signal));
      const running = after?.images.find((s) => s.active && s.image === listed.image) ?? null;
      out.running = running;
      if (running && same(running.hash, image.hash)) {
        out.booted = true;
        const how = mark.highest ? ' (booted as the highest valid version: there is no test boot to confirm)' : running.confirmed ? ', confirmed' : ', test image awaiting its confirmation';
        return finish(EXIT_OK, `running ${image.version}${how}`);
      }
      if (!running) {
        return negative(
          after && after.images.length > 0
            ? 'after the reset the board marks no image active: it stayed in its bootloader (MCUboot serial recovery) and booted none (signed with a key it trusts? valid for this board?)'
            : 'the board runs no image after the reset: its bootloader did not boot the new one (signed with a key it trusts? a version it accepts?)',
        );
      }
      const runs = `the board runs ${running.version} (sha256 ${toHex(running.hash)}), not the new image`;
      if (mark.highest) {
        const { bootloader, outlook } = mark.highest;
        const kept = after!.images.find((s) => same(s.hash, image.hash));
        const why = !outlook.newest
          ? outlook.text
          : kept
            ? `${boardVersion(image.header.version)} is newer and still in slot ${kept.slot}, so the bootloader found it invalid (hash, signature or load address)`
            : `${boardVersion(image.header.version)} is newer but no longer listed after the reset: the bootloader erased it as invalid, or something rewrote its slot`;
        return negative(`${runs}: ${bootloader} boots the valid image with the highest version, and ${why}`);
      }
      return negative(mark.unmarked ? `${runs}: it was never marked for boot (${mark.unmarked})` : `${runs}: reverted or refused by the bootloader`);
    });
    await tracker?.report(conn, {
      kind: 'flash',
      outcome: { result: out.booted ? 'booted' : 'not-booted', exit_code: code, message: out.message.slice(0, 2000) },
      ...(out.running ? { status: { run_state: 'application', app_version: out.running.version } } : {}),
      detail: JSON.parse(JSON.stringify(out, jsonReplacer)) as Record<string, unknown>,
    });
    return code;
  },
});
