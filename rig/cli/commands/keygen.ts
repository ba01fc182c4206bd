/**
 * `suitrig keygen --alg es256|ed25519|hmac256|hss-lms --out <prefix>`: a new author or operator
 * key (RFC 9019 §2.2 roles) in the files DESIGN.md "Command line" fixes; see host/keys/generate.ts.
 */
import { resolve } from 'node:path';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, printJson, requireString, type Command } from '../command.js';
import { DEFAULT_HSS_LEVELS, generateKeyFiles, parseHssLevels, KEYGEN_ALGORITHMS, KeygenError, type KeygenAlgorithm } from '../../../host/keys/index.js';
import { OutputPathError } from '../../../host/util/atomic-write.js';
import { toHex } from '../../../host/util/hex.js';

const CONTENT_TEXT: Record<string, string> = {
  'private-pem': 'private key, PKCS#8 PEM',
  'public-pem': 'public key, SPKI PEM',
  'secret': 'HMAC-256 key, 32 raw bytes',
  'public-cose-key': 'public key, COSE_Key',
  'secret-cose-key': 'HMAC-256 key, COSE_Key',
  'hss-private-state': 'HSS-LMS private key and signer state; never copy it back from a backup',
};

export const keygenCommand: Command = {
  path: ['keygen'],
  summary: 'generate a signing key (ES256, Ed25519, HSS-LMS) or an HMAC-256 key',
  usage: '--alg es256|ed25519|hmac256|hss-lms --out <prefix> [--hss-levels <levels>] [--cose] [--force] [--json]',
  details: [
    'Files written (never replacing existing ones unless --force):',
    '  es256, ed25519: <prefix>.pem      private key, PKCS#8 PEM, mode 0600',
    '                  <prefix>.pub.pem  public key, SPKI PEM (give it to --trust)',
    '  hmac256:        <prefix>.key      32 random bytes, mode 0600 (COSE_Mac0; both sides keep it)',
    '  hss-lms:        <prefix>.hss      private key with its signer state, mode 0600',
    '                  <prefix>.pub.cose public key, COSE_Key kty 5 (RFC 9708; give it to --trust)',
    'HSS-LMS keys are stateful: every signature uses a new one-time key, marked used in the .hss',
    'file (fsync) before the signature is released. Never restore an older copy of that file.',
    `--hss-levels: tree levels, top first, each m32|m24 (SHA-256/256 or /192), h5|h10|h15, w1|w2|w4|w8;`,
    `default ${DEFAULT_HSS_LEVELS} (2^15 signatures).`,
    'With --cose, also the COSE_Key form (RFC 9052 §7) for devices that take keys that way:',
    '  <prefix>.pub.cose (public key), or <prefix>.cose for hmac256 (mode 0600).',
    'The COSE_Key carries the key id (label 2): the first 8 bytes of SHA-256 over the SPKI DER',
    '(or over the HMAC key), the same id suitrig writes into the signatures it makes.',
  ].join('\n'),
  options: {
    alg: { type: 'string', value: '<alg>', description: 'es256 (ECDSA P-256), ed25519, hmac256, or hss-lms' },
    'hss-levels': { type: 'string', value: '<levels>', description: `HSS-LMS tree levels, e.g. ${DEFAULT_HSS_LEVELS}` },
    out: { type: 'string', value: '<prefix>', description: 'file name prefix of the key files' },
    cose: { type: 'boolean', description: 'also write the key as a COSE_Key' },
    force: { type: 'boolean', description: 'replace existing key files' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const alg = requireString(args, 'alg').toLowerCase();
    if (!(KEYGEN_ALGORITHMS as readonly string[]).includes(alg)) throw new UsageError(`--alg ${alg}: expected one of ${KEYGEN_ALGORITHMS.join(', ')}`);
    const prefix = resolve(io.cwd, requireString(args, 'out'));
    const levels = optString(args, 'hss-levels');
    if (levels !== undefined) {
      if (alg !== 'hss-lms') throw new UsageError('--hss-levels applies to --alg hss-lms only');
      try {
        parseHssLevels(levels);
      } catch (e) {
        throw new UsageError(`--hss-levels: ${(e as Error).message}`);
      }
    }
    let result;
    try {
      result = generateKeyFiles(alg as KeygenAlgorithm, prefix, { cose: optFlag(args, 'cose'), force: optFlag(args, 'force'), ...(levels !== undefined ? { hssLevels: levels } : {}) });
    } catch (e) {
      if (e instanceof KeygenError) throw new EnvironmentError(e.message);
      if (e instanceof OutputPathError) throw new EnvironmentError(`--out ${e.path}: ${e.reason}`);
      const err = e as NodeJS.ErrnoException;
      if (err.code) throw new EnvironmentError(`cannot write key files at ${prefix}: ${err.message}`);
      throw e;
    }
    const kid = toHex(result.keyId);
    if (optFlag(args, 'json')) {
      printJson(io, { algorithm: result.algorithm, keyId: kid, files: result.files.map((f) => ({ path: f.path, content: f.content, mode: `0${f.mode.toString(8)}` })) });
    } else {
      for (const f of result.files) io.stdout.write(`wrote ${f.path}  (${CONTENT_TEXT[f.content]}, mode 0${f.mode.toString(8)})\n`);
      io.stdout.write(`key id ${kid}\n`);
    }
    return EXIT_OK;
  },
};
