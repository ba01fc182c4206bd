/**
 * `suitrig manifest create <spec.json|yaml> --key <key> --out <envelope.suit>`: the author's
 * step of RFC 9019 §2.2. Reads a description (suitrig's format or suit-tool's JSON, see
 * host/suit/README.md), builds the SUIT envelope (draft-ietf-suit-manifest-37) and signs it.
 * Bad input exits 2 naming the field; the output file is written whole or not at all.
 */
import { join, resolve } from 'node:path';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, requireString, type Command } from '../command.js';
import {
  addDelegationChain, addSignature, BuildError, CompileError, CONTENT_ALGORITHMS, DescriptionError, SEVERABLE_MEMBERS, TEMPLATES, buildEnvelope, issueLine, loadDescription,
  type ContentAlgorithm, type DescriptionIssue, type ManifestPlan, type SeverableMember,
} from '../../../host/suit/index.js';
import { readInputFile, writeOutputFile } from '../files.js';
import { SIGNER_OPTIONS, encryptionRecipients, signerFromArgs } from '../key-options.js';
import { toHex } from '../../../host/util/hex.js';

/** File name for an encrypted payload fetched from `uri`: its last path segment, made safe. */
function payloadFileName(uri: string): string {
  const last = uri.replace(/[?#].*$/, '').split('/').filter(Boolean).pop() ?? 'payload';
  return `${last.replace(/[^A-Za-z0-9._-]/g, '_')}.enc`;
}

function severArg(v: string | undefined): readonly SeverableMember[] | 'all' | undefined {
  if (v === undefined) return undefined;
  if (v === 'all') return 'all';
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of list) if (!(SEVERABLE_MEMBERS as readonly string[]).includes(m)) throw new UsageError(`--sever ${m}: expected all or a list of ${SEVERABLE_MEMBERS.join(', ')}`);
  return list as SeverableMember[];
}

export const manifestCreateCommand: Command = {
  path: ['manifest', 'create'],
  summary: 'build and sign a SUIT envelope from a JSON/YAML description',
  usage: '<spec.json|yaml> --key <key> [--alg-id <alg>] [--delegation <link.cwt>,...] [--encrypt-for <key>... [--encryption <alg>] [--payload-dir <dir>]] --out <envelope.suit>',
  details: [
    'The description is suitrig\'s format (a `template` and components; see host/suit/README.md)',
    'or suit-tool\'s JSON input as it is (fields of older SUIT drafts are migrated, with a warning',
    'on stderr naming each), or the explicit form `manifest parse` writes. Image digests and sizes',
    'are computed from the files it names, relative to the description. Templates:',
    ...Object.entries(TEMPLATES).map(([k, v]) => `  ${k.padEnd(17)} ${v}`),
    '',
    'Signing: ES256 (-7) for P-256 keys, EdDSA (-8) for Ed25519 keys, HMAC 256/256 (5) in a',
    'COSE_Mac0 for symmetric keys, unless --alg-id says otherwise (esp256 -9, ed25519 -19).',
    'ECDSA signatures are deterministic (RFC 6979): the same description and key give the same',
    'bytes. The key id (first 8 bytes of SHA-256 over the SPKI DER, or over the HMAC key) goes',
    'into the unprotected header unless --no-kid. Add further signatures with `suitrig sign`.',
    '',
    'Severable members (payload-fetch, install, dependency-resolution, text) are kept in the',
    'envelope with their digest in the manifest; text always is, the others with --severable',
    '(or `severable: true` in the description). --sever leaves the named members out.',
    'Problems in the description are all reported, with line, column and field (exit 2).',
    '',
    '--encrypt-for encrypts every payload a component receives (draft-ietf-suit-firmware-encryption)',
    'with a fresh content key for each recipient: an AES key-encryption key (raw 16/24/32 bytes or',
    'COSE_Key: AES Key Wrap) or a device\'s P-256 public key (PEM or COSE_Key: ECDH-ES + AES-KW).',
    'The manifest keeps the plaintext digest and size (image-match after decryption); the device',
    'decrypts while it fetches, or in the install copy from a staging component. Detached encrypted',
    'payloads are written to --payload-dir as <last URI segment>.enc: deliver those, not the images.',
  ].join('\n'),
  options: {
    ...SIGNER_OPTIONS,
    out: { type: 'string', value: '<envelope.suit>', description: 'output envelope file' },
    payloads: { type: 'string', value: 'integrated|detached', description: 'carry every image in the envelope, or none (default: as described)' },
    severable: { type: 'boolean', description: 'make payload-fetch/install/dependency-resolution severable' },
    sever: { type: 'string', value: '<members|all>', description: `leave severable members out: all, or a list of ${SEVERABLE_MEMBERS.join(',')}` },
    delegation: { type: 'string', value: '<link.cwt,...>', description: 'a delegation chain for --key (suitrig delegate), first link first' },
    'encrypt-for': { type: 'string', multiple: true, value: '<key>', description: 'encrypt the payloads for this recipient (AES KEK or P-256 public key)' },
    encryption: { type: 'string', value: '<alg>', description: `content encryption with --encrypt-for: ${Object.keys(CONTENT_ALGORITHMS).join(', ')} (default a128gcm)` },
    'payload-dir': { type: 'string', value: '<dir>', description: 'where detached encrypted payloads are written (with --encrypt-for)' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const spec = resolve(io.cwd, args.positionals[0]!);
    const out = resolve(io.cwd, requireString(args, 'out'));
    const payloads = optString(args, 'payloads');
    if (payloads !== undefined && payloads !== 'integrated' && payloads !== 'detached') throw new UsageError(`--payloads ${payloads}: expected integrated or detached`);
    const sever = severArg(optString(args, 'sever'));
    const recipients = encryptionRecipients(optStrings(args, 'encrypt-for'), io.cwd);
    const encryption = optString(args, 'encryption');
    if (encryption !== undefined && !(encryption in CONTENT_ALGORITHMS)) throw new UsageError(`--encryption ${encryption}: expected one of ${Object.keys(CONTENT_ALGORITHMS).join(', ')}`);
    const payloadDir = optString(args, 'payload-dir');
    if ((encryption !== undefined || payloadDir !== undefined) && recipients.length === 0) throw new UsageError(`--${encryption !== undefined ? 'encryption' : 'payload-dir'} goes with --encrypt-for`);
    const signer = signerFromArgs(args, io.cwd);
    let built;
    let plan: ManifestPlan | undefined;
    let warnings: DescriptionIssue[] = [];
    try {
      plan = loadDescription(spec);
      warnings = plan.warnings ?? [];
      for (const w of warnings) io.stderr.write(`manifest create: warning: ${issueLine(args.positionals[0]!, w)}\n`);
      // Signed once everything is known to be writable: a stateful (HSS-LMS) key spends a one-time key per signature.
      built = buildEnvelope(plan, {
        ...(optFlag(args, 'severable') ? { severable: true } : {}),
        ...(sever ? { sever } : {}),
        ...(payloads ? { payloads } : {}),
        ...(recipients.length ? { encryptFor: recipients } : {}),
        ...(encryption ? { encryption: encryption as ContentAlgorithm } : {}),
      });
    } catch (e) {
      if (e instanceof DescriptionError || e instanceof BuildError || e instanceof CompileError) throw new EnvironmentError(e.message);
      throw e;
    }
    const links = (optString(args, 'delegation') ?? '').split(',').filter(Boolean).map((f) => readInputFile(f, io.cwd, 'envelope', `--delegation ${f}`));
    const files = built.encrypted.map((p) => ({ uri: p.uri, file: payloadDir ? join(resolve(io.cwd, payloadDir), payloadFileName(p.uri)) : undefined, ciphertext: p.ciphertext }));
    if (files.length > 0 && !payloadDir) throw new UsageError(`--payload-dir is needed: the encrypted payload${files.length > 1 ? 's' : ''} of ${files.map((f) => f.uri).join(', ')} must be delivered instead of the image${files.length > 1 ? 's' : ''}`);
    const names = files.map((f) => f.file!);
    const clash = names.find((n, i) => names.indexOf(n) !== i);
    if (clash) throw new UsageError(`--payload-dir: two encrypted payloads would both be written to ${clash}; give the images URIs with different last segments`);
    const signed = addSignature(built.envelope, signer);
    const envelope = links.length ? addDelegationChain(signed, links) : signed;
    for (const f of files) writeOutputFile(f.file!, f.ciphertext, '--payload-dir');
    writeOutputFile(out, envelope);
    // Dependencies a suit-tool description had built from their own descriptions (src-file).
    const dependencies = (plan?.dependencies ?? []).filter((d) => d.writeTo).map((d) => writeOutputFile(d.writeTo!, d.envelope, 'dependency file'));
    const summary = {
      out,
      bytes: envelope.length,
      manifestDigest: toHex(built.digest.bytes),
      signature: { algorithm: signer.algorithm.name, algorithmId: signer.algorithm.id, keyId: signer.kid ? toHex(signer.kid) : null },
      severable: built.severable,
      severed: built.severed,
      integrated: built.integrated,
      warnings,
      dependencies,
      encrypted: files.map((f) => ({ uri: f.uri, file: f.file!, bytes: f.ciphertext.length })),
    };
    if (optFlag(args, 'json')) {
      printJson(io, summary);
    } else {
      io.stdout.write(`wrote ${out} (${summary.bytes} bytes${links.length ? `, with a delegation chain of ${links.length} link${links.length === 1 ? '' : 's'}` : ''})\n`);
      io.stdout.write(`manifest digest sha-256 ${summary.manifestDigest}\n`);
      io.stdout.write(`signed ${signer.algorithm.name} (${signer.algorithm.id}), key id ${summary.signature.keyId ?? '-'}\n`);
      if (built.severable.length) io.stdout.write(`severable ${built.severable.join(', ')}${built.severed.length ? `; severed ${built.severed.join(', ')}` : ''}\n`);
      if (built.integrated.length) io.stdout.write(`integrated ${built.integrated.join(', ')}\n`);
      for (const d of dependencies) io.stdout.write(`wrote ${d} (dependency built from its description)\n`);
      if (recipients.length) io.stdout.write(`encrypted for ${recipients.map((r) => r.source).join(', ')} (${encryption ?? 'a128gcm'})\n`);
      for (const f of files) io.stdout.write(`encrypted payload ${f.uri}: wrote ${f.file} (${f.ciphertext.length} bytes; deliver this file)\n`);
    }
    return EXIT_OK;
  },
};
