/**
 * `suitrig image create <app.bin> --key <key> --version X.Y.Z+B [--security-counter N]
 * [--header-size 0x200] [--pad --slot-size S] [--confirm] --out <file>`: a signed MCUboot image
 * as imgtool `sign --pad-header` writes it (host/mcuboot/create.ts; notes/mcuboot.md §1, §3).
 */
import { resolve } from 'node:path';
import { EXIT_OK, UsageError, optFlag, optUint, requireString, type Command } from '../command.js';
import { DEFAULT_HEADER_SIZE, ImageCreateError, ImageFormatError, checkSlotFit, createImage, describeMcubootImage, parseVersion } from '../../../host/mcuboot/index.js';
import { readInputFile, writeOutputFile } from '../files.js';
import { signingKey } from '../key-options.js';

function optSize(args: Parameters<Command['run']>[0], name: string): number | undefined {
  const v = optUint(args, name, 0xffff_ffffn);
  return v === undefined ? undefined : Number(v);
}

export const imageCreateCommand: Command = {
  path: ['image', 'create'],
  summary: 'sign an application binary as an MCUboot image (as imgtool sign)',
  usage: '<app.bin> --key <key> --version X.Y.Z[+B] [--security-counter N] [--header-size 0x200] [--pad --slot-size S [--align A]] [--confirm] --out <file>',
  details: [
    'Layout: 32-byte header (magic 0x96f3b83d) zero-padded to --header-size, the binary, a protected',
    'TLV area with SEC_CNT when --security-counter is given, then SHA256, KEYHASH and the signature',
    '(ECDSA P-256 DER padded to 72 bytes, or Ed25519 over the SHA-256 digest).',
    '--pad writes the image into a file of exactly --slot-size bytes (0xff fill) with the trailer',
    'magic at its end: flashed into the secondary slot it is a pending test update. --confirm also',
    'sets image_ok (implies --pad). --slot-size alone only checks that image + trailer fit.',
    'Sizes take decimal or 0x hex.',
  ].join('\n'),
  options: {
    key: { type: 'string', value: '<key>', description: 'private key, PEM (ECDSA P-256 or Ed25519)' },
    version: { type: 'string', value: 'X.Y.Z[+B]', description: 'image version (major.minor.revision+build)' },
    'security-counter': { type: 'string', value: '<N>', description: 'security counter for rollback protection (u32)' },
    'header-size': { type: 'string', value: '<bytes>', description: `header area size (default 0x${DEFAULT_HEADER_SIZE.toString(16)})` },
    pad: { type: 'boolean', description: 'pad to --slot-size and write the trailer magic' },
    'slot-size': { type: 'string', value: '<bytes>', description: 'size of the slot the image is for' },
    confirm: { type: 'boolean', description: 'mark the image confirmed (image_ok = 1); implies --pad' },
    align: { type: 'string', value: '<1|2|4|8|16|32>', description: "the board's flash write size, sizes the trailer (default 1, as imgtool)" },
    out: { type: 'string', value: '<file>', description: 'output file' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const keyArg = requireString(args, 'key');
    const out = resolve(io.cwd, requireString(args, 'out'));
    const versionText = requireString(args, 'version');
    const headerSize = optSize(args, 'header-size') ?? DEFAULT_HEADER_SIZE;
    const slotSize = optSize(args, 'slot-size');
    const securityCounter = optSize(args, 'security-counter');
    const confirm = optFlag(args, 'confirm');
    const align = optSize(args, 'align') ?? 1;
    if (![1, 2, 4, 8, 16, 32].includes(align)) throw new UsageError(`--align ${align}: expected 1, 2, 4, 8, 16 or 32`);
    const pad = optFlag(args, 'pad') || confirm;
    if (pad && slotSize === undefined) throw new UsageError(`--${confirm && !optFlag(args, 'pad') ? 'confirm' : 'pad'} needs --slot-size`);
    let version;
    try {
      version = parseVersion(versionText);
    } catch (e) {
      throw new UsageError(`--version: ${(e as Error).message}`);
    }
    const key = signingKey(keyArg, io.cwd);
    if (key.family === 'hmac' || key.family === 'hss-lms') {
      throw new UsageError(`--key ${keyArg}: MCUboot images need an ECDSA P-256 or Ed25519 private key, not ${key.family === 'hmac' ? 'a symmetric' : 'an HSS-LMS'} key`);
    }
    const file = args.positionals[0]!;
    const payload = readInputFile(file, io.cwd, 'image', `cannot read ${file}`);
    let image: Uint8Array;
    try {
      image = createImage(payload, {
        key,
        version,
        headerSize,
        ...(securityCounter !== undefined ? { securityCounter } : {}),
        ...(pad ? { pad: { slotSize: slotSize!, confirm, align } } : {}),
      });
      // Without --pad, --slot-size still checks that image + trailer fit, as imgtool does.
      if (!pad && slotSize !== undefined) checkSlotFit(image.length, { slotSize, align });
    } catch (e) {
      if (e instanceof ImageCreateError || e instanceof ImageFormatError) throw new UsageError(e.message);
      throw e;
    }
    writeOutputFile(out, image);
    const d = describeMcubootImage(image);
    io.stdout.write(
      `wrote ${out}: MCUboot image ${d.header.version}, ${d.imageSize} bytes` +
        `${pad ? ` padded to ${image.length}${confirm ? ', confirmed' : ''}` : ''}, ${d.signature?.algorithm}` +
        `${d.securityCounter !== undefined ? `, security counter ${d.securityCounter}` : ''}\n`,
    );
    return EXIT_OK;
  },
};
