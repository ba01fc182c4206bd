/**
 * `suitrig image verify <file> --trust <pub.pem>`: checks an MCUboot image as MCUboot's
 * `bootutil_img_validate()` does (host/mcuboot/verify.ts): structure, SHA256 TLV, KEYHASH naming
 * a trusted key, signature. Exit 0 valid, 1 rejected, 2 usage or environment error.
 */
import { EXIT_NEGATIVE, EXIT_OK, UsageError, optFlag, optStrings, optUint, printJson, type Command } from '../command.js';
import type { PublicKey } from '../../../host/keys/index.js';
import { formatVersion, verifyImage, type VerifyOptions } from '../../../host/mcuboot/index.js';
import { readInputFile } from '../files.js';
import { trustAnchors } from '../key-options.js';

export const imageVerifyCommand: Command = {
  path: ['image', 'verify'],
  summary: 'verify an MCUboot image: hash, key hash and signature against trusted keys',
  usage: '<file> --trust <pub.pem>... [--security-counter N] [--json]',
  details: [
    'The image is valid when its SHA256 TLV matches header + payload + protected TLVs and a signature',
    'TLV verifies with the trusted key its KEYHASH names (MCUboot accepts any key of its key list).',
    '--security-counter N also requires a SEC_CNT of at least N, as a board with hardware rollback',
    'protection whose stored counter is N.',
  ].join('\n'),
  options: {
    trust: { type: 'string', multiple: true, value: '<key>', description: 'trusted public key (PEM SPKI, or a private key PEM)' },
    'security-counter': { type: 'string', value: '<N>', description: 'stored security counter the image must not be below' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const trustArgs = optStrings(args, 'trust');
    if (trustArgs.length === 0) throw new UsageError('--trust is required (the public key the image must be signed with)');
    const keys = trustAnchors(trustArgs, io.cwd).map(({ key, source }, i): { key: PublicKey; source: string } => {
      if (key.family === 'hmac' || key.family === 'hss-lms') {
        throw new UsageError(`--trust ${trustArgs[i]}: MCUboot images are signed with ECDSA P-256 or Ed25519; ${key.family === 'hmac' ? 'a symmetric' : 'an HSS-LMS'} key cannot verify them`);
      }
      return { key, source };
    });
    const min = optUint(args, 'security-counter', 0xffff_ffffn);
    const bytes = readInputFile(file, io.cwd, 'image', `cannot read ${file}`);
    const opts: VerifyOptions = min === undefined ? {} : { minSecurityCounter: Number(min) };
    const r = verifyImage(bytes, keys.map((k) => k.key), opts);
    const version = r.image && formatVersion(r.image.header.version);
    if (optFlag(args, 'json')) {
      printJson(io, {
        file,
        valid: r.ok,
        ...(r.ok ? {} : { reason: r.reason, message: r.message }),
        ...(version ? { version } : {}),
        ...(r.image?.securityCounter !== undefined ? { securityCounter: r.image.securityCounter } : {}),
        ...(r.hash ? { hash: r.hash } : {}),
        ...(r.ok && r.keyIndex !== undefined ? { key: keys[r.keyIndex]!.source } : {}),
      });
    } else if (r.ok) {
      io.stdout.write(`valid: ${file}: MCUboot image ${version}, SHA256 matches, signature by ${keys[r.keyIndex!]!.source}\n`);
    } else {
      io.stdout.write(`rejected: ${file}: ${r.message} (${r.reason})\n`);
    }
    return r.ok ? EXIT_OK : EXIT_NEGATIVE;
  },
};
