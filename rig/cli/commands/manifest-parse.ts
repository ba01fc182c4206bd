/**
 * `suitrig manifest parse <envelope.suit> --out <description.yaml|json>`: the reverse of
 * `manifest create` — the envelope's manifest written out as a description (the explicit form,
 * host/suit/README.md), its integrated payloads as files next to it. Before anything is written,
 * the description is built again and compared with the manifest: `manifest create` on it gives
 * the same manifest, byte for byte (said so; a manifest not in deterministic encoding gets an
 * equivalent one, and a warning). Exit 0 written, 2 bad input.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Document, isScalar, visit } from 'yaml';
import { buildEnvelope, parseDescription, parseEnvelope, DescriptionError } from '../../../host/suit/index.js';
import { describeEnvelope, DescribeError } from '../../../host/suit/describe/describe.js';
import { toHex } from '../../../host/util/hex.js';
import { EXIT_OK, EnvironmentError, optFlag, printJson, requireString, type Command } from '../command.js';
import { readInputFile, writeOutputFile } from '../files.js';

/** YAML with short lists of scalars (component identifiers, indices) on one line. */
function yamlText(doc: object): string {
  const y = new Document(doc);
  visit(y, {
    Seq(_k, node) {
      if (node.items.length <= 8 && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  return y.toString({ lineWidth: 0 });
}

export const manifestParseCommand: Command = {
  path: ['manifest', 'parse'],
  summary: 'turn a SUIT envelope back into a description (the explicit form) that builds the same manifest',
  usage: '<envelope.suit> --out <description.yaml|json> [--json]',
  details: [
    'Writes the manifest of the envelope as a suitrig description in the explicit form (every',
    'member as it is: components, dependencies, each command sequence with its commands and',
    'parameters by name, severable and severed members, text), YAML unless --out ends in .json,',
    'and each integrated payload as a file next to it. The description is built again first:',
    '`suitrig manifest create` on it gives the same manifest, byte for byte (a manifest not in',
    'deterministic CBOR gets an equivalent one instead, with a warning). Signatures and delegation',
    'chains are not part of a description: `manifest create --key` and `sign` make them.',
  ].join('\n'),
  options: {
    out: { type: 'string', value: '<description>', description: 'the description file to write (.yaml, .yml or .json)' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const out = resolve(io.cwd, requireString(args, 'out'));
    const bytes = readInputFile(file, io.cwd, 'envelope');
    let d;
    try {
      d = describeEnvelope(bytes);
    } catch (e) {
      if (e instanceof DescribeError) throw new EnvironmentError(`${file}: ${e.message}`);
      throw e;
    }
    const json = extname(out).toLowerCase() === '.json';
    const render = (doc: object) => (json ? JSON.stringify(doc, null, 2) + '\n' : yamlText(doc));
    // The manifest does not depend on the payloads: check it from the description without them.
    const withoutPayloads = Object.fromEntries(Object.entries(d.document).filter(([k]) => k !== 'payloads'));
    let rebuilt: Uint8Array;
    try {
      rebuilt = buildEnvelope(parseDescription(render(withoutPayloads), { file: basename(out), dir: dirname(out) })).manifest;
    } catch (e) {
      if (e instanceof DescriptionError) throw new EnvironmentError(`the description made from ${file} does not read back (a bug): ${e.message}`);
      throw e;
    }
    const original = parseEnvelope(bytes).manifest.content;
    const identical = Buffer.compare(Buffer.from(rebuilt), Buffer.from(original)) === 0;
    writeOutputFile(out, render(d.document));
    for (const p of d.payloads) writeOutputFile(join(dirname(out), p.file), p.bytes, `payload ${p.key} ->`);
    if (!identical) io.stderr.write(`manifest parse: warning: ${file}'s manifest is not in deterministic CBOR (draft-37 §8.1): the description builds an equivalent manifest, not the same bytes\n`);
    if (optFlag(args, 'json')) {
      printJson(io, { out, identical, payloads: d.payloads.map((p) => ({ key: p.key, file: join(dirname(out), p.file), bytes: p.bytes.length })), notes: d.notes });
    } else {
      io.stdout.write(`wrote ${out} (explicit description${identical ? `; builds the same manifest, ${original.length} bytes, sha-256 ${toHex(parseEnvelope(bytes).authentication?.digest.bytes ?? new Uint8Array(0)).slice(0, 16)}...` : ''})\n`);
      for (const p of d.payloads) io.stdout.write(`wrote ${join(dirname(out), p.file)} (integrated payload ${p.key}, ${p.bytes.length} bytes)\n`);
      for (const n of d.notes) io.stdout.write(`note      ${n}\n`);
    }
    return EXIT_OK;
  },
};
