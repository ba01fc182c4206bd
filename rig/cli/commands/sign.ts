/**
 * `suitrig sign <envelope.suit> --key <key> [--role operator] --out <file>`: adds one more
 * signature (or MAC) to an envelope, e.g. the device operator's after the author's
 * (RFC 9019 §7), leaving the manifest and every other member byte for byte as they were.
 * The role is not written into the envelope: a verifier learns it from its trust anchors
 * (`suitrig verify --trust operator=<pub.pem> --require author,operator`).
 */
import { resolve } from 'node:path';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, printJson, requireString, type Command } from '../command.js';
import { EnvelopeError, addDelegationChain, addSignature, parseEnvelope } from '../../../host/suit/index.js';
import { isRoleName } from '../../../host/keys/index.js';
import { readInputFile, writeOutputFile } from '../files.js';
import { SIGNER_OPTIONS, signerFromArgs } from '../key-options.js';
import { toHex } from '../../../host/util/hex.js';

export const signCommand: Command = {
  path: ['sign'],
  summary: 'add a signature (e.g. the operator\'s) to a SUIT envelope without changing its manifest',
  usage: '<envelope.suit> --key <key> [--alg-id <alg>] [--role operator] [--delegation <link.cwt>,...] --out <envelope.suit>',
  details: [
    'Checks that the authentication wrapper digest matches the manifest, then appends a',
    'COSE_Sign1 (or COSE_Mac0 for HMAC keys) over that digest. Nothing else in the envelope',
    'changes. --out may name the input file: it is replaced atomically.',
    'Algorithms and key id as in `suitrig manifest create`. The role (default operator) is only',
    'a label for this output; verifiers take roles from --trust role=<key>.',
    '--delegation first.cwt,next.cwt adds a delegation chain (made with `suitrig delegate`) that',
    'vouches for --key, from a trust anchor on: a device then takes this signature with the role',
    'of the anchor the chain starts from.',
  ].join('\n'),
  options: {
    ...SIGNER_OPTIONS,
    role: { type: 'string', value: '<role>', description: 'who signs, for messages (default operator)' },
    delegation: { type: 'string', value: '<link.cwt,...>', description: 'a delegation chain for --key, first link (signed by a trust anchor) first' },
    out: { type: 'string', value: '<envelope.suit>', description: 'output envelope file' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const out = resolve(io.cwd, requireString(args, 'out'));
    const role = optString(args, 'role') ?? 'operator';
    if (!isRoleName(role)) throw new UsageError(`--role ${role}: a role is lower-case letters, digits, - and _`);
    const signer = signerFromArgs(args, io.cwd);
    const envelope = readInputFile(args.positionals[0]!, io.cwd, 'envelope');
    const links = (optString(args, 'delegation') ?? '').split(',').filter(Boolean).map((f) => readInputFile(f, io.cwd, 'envelope', `--delegation ${f}`));
    let signed: Uint8Array;
    try {
      signed = addSignature(links.length ? addDelegationChain(envelope, links) : envelope, signer);
    } catch (e) {
      if (e instanceof EnvelopeError) throw new EnvironmentError(`${args.positionals[0]}: ${e.message}`);
      throw e;
    }
    writeOutputFile(out, signed);
    const count = parseEnvelope(signed).authentication!.blocks.length;
    const kid = signer.kid ? toHex(signer.kid) : null;
    if (optFlag(args, 'json')) {
      printJson(io, { out, bytes: signed.length, role, signatures: count, added: { algorithm: signer.algorithm.name, algorithmId: signer.algorithm.id, keyId: kid } });
    } else {
      io.stdout.write(`added ${role} signature ${count}: ${signer.algorithm.name} (${signer.algorithm.id}), key id ${kid ?? '-'}\n`);
      io.stdout.write(`wrote ${out} (${signed.length} bytes, ${count} signature${count === 1 ? '' : 's'})\n`);
    }
    return EXIT_OK;
  },
};
