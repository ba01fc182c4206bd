/**
 * `suitrig flash --port <url|name> <mcuboot-image> [--test|--confirm]` (DESIGN.md "Command
 * line"): the MCUboot update of any SMP board, as `mcumgr image upload` + `image test` +
 * `reset` do it, with the link's fast resumable upload. Steps: upload to the secondary slot
 * (progress bar on a terminal; resumes after a dropped link), find the image by its SHA-256 TLV
 * in the board's image list, mark it for a test boot (default) or permanently (--confirm),
 * reset, wait for the board, and report what boots. Exit 0 when the new image runs; 1 when the
 * board refused or still runs another image; 2 for usage and environment errors.
 */
import { basename } from 'node:path';
import { formatVersion, TLV } from '../../../host/mcuboot/format.js';
import { parseImage } from '../../../host/mcuboot/verify.js';
import { optional } from '../../../host/operator/board-state.js';
import { SmpTimeoutError } from '../../../host/smp/client.js';
import { SmpErrorResponse } from '../../../host/smp/errors.js';
import { isNotSupported } from '../../../host/smp/groups/os.js';
import type { ImageSlotState } from '../../../host/smp/image-state.js';
import type { UploadResult } from '../../../host/smp/upload/engine.js';
import { ResetNotObservedError, rebootAndWait } from '../../../host/smp/reboot.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, optFlag, printJson, type CliIo, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';
import { kib } from '../../../host/util/units.js';
import { progressBar, uploadSummary } from '../upload-progress.js';
import { readInputFile } from '../files.js';
import { BOOT_WAIT_MS } from './reboot.js';
import { toHex } from '../../../host/util/hex.js';

interface ImageFile {
  file: string;
  bytes: Uint8Array;
  version: string;
  /** The SHA256 TLV: what the board names the image by. */
  hash: Uint8Array;
}

function readImage(file: string, cwd: string): ImageFile {
  const bytes = readInputFile(file, cwd, 'image', `cannot read ${file}`);
  try {
    const img = parseImage(bytes);
    const sha = img.tlvs.find((t) => t.type === TLV.SHA256);
    if (!sha) throw new Error('it has no SHA256 TLV');
    return { file, bytes, version: formatVersion(img.header.version), hash: sha.value };
  } catch (e) {
    throw new UsageError(`${file} is not an MCUboot image: ${(e as Error).message} (make one with 'suitrig image create' or imgtool)`);
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

function say(io: CliIo, label: string, text: string): void {
  io.stderr.write(`${label.padEnd(9)} ${text}\n`);
}

export const flashCommand: Command = {
  path: ['flash'],
  summary: 'upload an MCUboot image to a board, mark it (test or permanent), reset, report what boots',
  usage: '--port <url|name> <mcuboot-image> [--test|--confirm] [--json]',
  details: [
    'Uploads the image to the board\'s secondary slot over SMP (pipelined up to the board\'s',
    'buffer count, resumable: run it again after an interruption and it continues where the',
    'board stopped), marks it for a test boot (--test, the default: MCUboot reverts it unless the',
    'new application confirms itself) or permanently (--confirm), resets the board and reports',
    'which image runs afterwards.',
    'Exit status: 0 the new image runs; 1 the board refused it or runs another image; 2 usage or',
    'environment error.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
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
    const signal = io.signal ? { signal: io.signal } : {};
    const conn = await connectBoard(args, io);
    let client = conn.client;
    const out = {
      port: conn.description,
      image: { file: basename(image.file), version: image.version, hash: image.hash, size: image.bytes.length },
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
    return useBoard(conn, 'flash', async () => {
      say(io, 'image', `${basename(image.file)}  ${image.version}  ${kib(image.bytes.length)}  sha256 ${toHex(image.hash)}`);
      const bar = progressBar(io, `upload    ${basename(image.file)}`, json);
      let r: UploadResult;
      try {
        r = await client.image.upload(image.bytes, { reconnect: async () => (client = await conn.reconnect()), onProgress: (p) => bar.update(p), ...signal });
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

      const listed = (await client.image.state(signal)).images.find((s) => same(s.hash, image.hash));
      if (!listed) return finish(EXIT_NEGATIVE, `the board does not list the uploaded image (sha256 ${toHex(image.hash)}): it refused it as an image`);
      if (listed.slot === 0 && !listed.active) {
        // A bootloader in serial recovery writes the primary slot directly: nothing to mark.
        say(io, 'mark', 'not needed: the image went to the primary slot (serial recovery); it boots at the reset');
      } else if (!listed.active) {
        try {
          if (permanent) await client.image.confirm(image.hash, signal);
          else await client.image.test(image.hash, signal);
          out.marked = permanent ? 'permanent' : 'test';
          say(io, 'mark', permanent ? 'permanent: the board swaps it in for good' : 'test: the board boots it once and reverts unless it confirms itself');
        } catch (e) {
          if (!isNotSupported(e)) {
            if (e instanceof SmpErrorResponse) return finish(EXIT_NEGATIVE, `the board refused to mark the image: ${e.message}`);
            throw e;
          }
          say(io, 'mark', 'the board cannot mark images (serial recovery writes the primary slot directly)');
        }
      }

      say(io, 'reset', 'resetting the board');
      let back;
      try {
        back = await rebootAndWait(client, { how: 'smp' }, { reconnect: async () => (client = await conn.reconnect()), timeoutMs: BOOT_WAIT_MS, ...(conn.witness ? { witness: conn.witness } : {}), ...signal });
      } catch (e) {
        if (e instanceof SmpTimeoutError) return finish(EXIT_NEGATIVE, `the board did not come back after the reset: ${e.message}`);
        if (e instanceof ResetNotObservedError) return finish(EXIT_NEGATIVE, e.message);
        throw e;
      }
      client = back.client;
      out.rebootMs = back.ms;
      out.resetProof = back.proof;
      say(io, 'reset', `the board went through the reset (${back.proof}) and answered again after ${(back.ms / 1000).toFixed(1)} s`);
      const after = await optional(() => client.image.state(signal));
      const running = after?.images.find((s) => s.active && s.image === listed.image) ?? null;
      out.running = running;
      if (running && same(running.hash, image.hash)) {
        out.booted = true;
        return finish(EXIT_OK, `running ${image.version}${running.confirmed ? ', confirmed' : ', test image awaiting its confirmation'}`);
      }
      return finish(
        EXIT_NEGATIVE,
        running
          ? `the board runs ${running.version} (sha256 ${toHex(running.hash)}), not the new image: reverted or refused by the bootloader`
          : 'the board runs no image after the reset: its bootloader did not boot the new one (signed with a key it trusts? a version it accepts?)',
      );
    });
  },
};
