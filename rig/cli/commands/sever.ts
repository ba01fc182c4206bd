/**
 * `suitrig sever <envelope.suit> [--member <names|all>] --out <envelope.suit> [--save-members <dir>]`
 * (draft-ietf-suit-manifest-37 §8.5): leaves severable members out of an envelope — the manifest
 * keeps their digests, so its signatures still hold — as a distributor does for devices that do
 * not need them (text, a payload-fetch the device does not run). `--save-members` writes each
 * member taken out to `<dir>/<name>.cbor`, which `suitrig verify --member <name>=<file>` puts
 * back. Exit 0 written, 2 bad input (a member the manifest holds no digest of, one already gone).
 */
import { join, resolve } from 'node:path';
import { EnvelopeError, SEVERABLE_MEMBERS, severMembers, type SeverableMember } from '../../../host/suit/index.js';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, printJson, requireString, type Command } from '../command.js';
import { readInputFile, writeOutputFile } from '../files.js';

function memberList(v: string | undefined): readonly SeverableMember[] | 'all' {
  if (v === undefined || v === 'all') return 'all';
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of list) if (!(SEVERABLE_MEMBERS as readonly string[]).includes(m)) throw new UsageError(`--member ${m}: expected all or a list of ${SEVERABLE_MEMBERS.join(', ')}`);
  if (list.length === 0) throw new UsageError('--member: no member named');
  return list as SeverableMember[];
}

export const severCommand: Command = {
  path: ['sever'],
  summary: 'leave severable members (text, payload-fetch, install, ...) out of a signed envelope',
  usage: '<envelope.suit> [--member <names|all>] --out <envelope.suit> [--save-members <dir>] [--json]',
  details: [
    'Takes severable members out of the envelope; the manifest holds their SUIT_Digest, so the',
    'signatures stay valid and a device can still check a member supplied later (draft-37 §8.5).',
    `Members: ${SEVERABLE_MEMBERS.join(', ')}; default all the envelope carries. --save-members`,
    'writes each one taken out to <dir>/<name>.cbor, for `suitrig verify --member <name>=<file>`.',
  ].join('\n'),
  options: {
    member: { type: 'string', value: '<names|all>', description: `members to take out: all (default) or a list of ${SEVERABLE_MEMBERS.join(',')}` },
    out: { type: 'string', value: '<envelope.suit>', description: 'the envelope to write' },
    'save-members': { type: 'string', value: '<dir>', description: 'write each member taken out to <dir>/<name>.cbor' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const out = resolve(io.cwd, requireString(args, 'out'));
    const names = memberList(optString(args, 'member'));
    const saveDir = optString(args, 'save-members');
    const bytes = readInputFile(file, io.cwd, 'envelope');
    let r;
    try {
      r = severMembers(bytes, names);
    } catch (e) {
      if (e instanceof EnvelopeError) throw new EnvironmentError(`${file}: ${e.message}`);
      throw e;
    }
    if (r.removed.length === 0) throw new EnvironmentError(`${file}: carries no severable member to take out`);
    const saved = saveDir ? r.removed.map((m) => writeOutputFile(join(resolve(io.cwd, saveDir), `${m.name}.cbor`), m.content, '--save-members')) : [];
    writeOutputFile(out, r.envelope);
    if (optFlag(args, 'json')) {
      printJson(io, { out, bytes: r.envelope.length, severed: r.removed.map((m) => ({ member: m.name, bytes: m.content.length })), saved });
    } else {
      io.stdout.write(`wrote ${out} (${r.envelope.length} bytes, was ${bytes.length})\n`);
      for (const m of r.removed) io.stdout.write(`severed   ${m.name} (${m.content.length} bytes)\n`);
      for (const s of saved) io.stdout.write(`saved     ${s}\n`);
    }
    return EXIT_OK;
  },
};
