/**
 * `suitrig inspect <file> [--json] [--diag]`: what a SUIT envelope says, with names for every
 * label (host/suit/inspect). The input format is recognised by its first bytes; each format
 * is an Inspector in `inspectors` below, so another format (e.g. MCUboot images) is one more
 * entry in that list.
 */
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, printJson, type Command } from '../command.js';
import { readInputFile } from '../files.js';
import { inspectEnvelope, looksLikeSuitEnvelope, renderDiagnostic, renderReport } from '../../../host/suit/index.js';
import { describeMcubootImage, formatMcubootDescription, isMcubootImage, mcubootProblems, type McubootDescription } from '../../../host/mcuboot/index.js';

/** One input format `inspect` understands. */
export interface Inspector {
  /** Format name, e.g. 'suit-envelope'. */
  name: string;
  /** Whether the input is in this format (look at magic numbers / first bytes only). */
  detect(bytes: Uint8Array): boolean;
  /** A JSON-safe report; throw an Error with a readable message when the input is malformed. */
  inspect(bytes: Uint8Array): unknown;
  /** The human-readable view of `inspect`'s report. */
  render(report: unknown): string;
  /** Problems found in the report (exit status 1 when there are any). */
  problems(report: unknown): readonly string[];
  /** Optional raw view for --diag. */
  diagnostic?(bytes: Uint8Array): string;
}

export const suitInspector: Inspector = {
  name: 'suit-envelope',
  detect: looksLikeSuitEnvelope,
  inspect: inspectEnvelope,
  render: (r) => renderReport(r as ReturnType<typeof inspectEnvelope>),
  problems: (r) => (r as ReturnType<typeof inspectEnvelope>).problems,
  diagnostic: renderDiagnostic,
};

/** MCUboot images (magic 0x96f3b83d): header, TLVs, hash check, signature, trailer (host/mcuboot/describe.ts). */
export const mcubootInspector: Inspector = {
  name: 'mcuboot-image',
  detect: isMcubootImage,
  inspect: describeMcubootImage,
  render: (r) => formatMcubootDescription(r as McubootDescription),
  problems: (r) => mcubootProblems(r as McubootDescription),
};

/** Formats in the order they are tried. */
export const inspectors: Inspector[] = [suitInspector, mcubootInspector];

export const inspectCommand: Command = {
  path: ['inspect'],
  summary: 'show what a SUIT envelope or an MCUboot image says (commands, parameters, digests, signatures)',
  usage: '<file> [--json | --diag]',
  details: [
    `Formats: ${inspectors.map((i) => i.name).join(', ')} (recognised by their first bytes).`,
    'SUIT envelopes: authentication wrapper (digest checked against the manifest; each',
    'signature or MAC with its algorithm and key id), components and dependencies, every',
    'command sequence with command and parameter names, severable members (in the envelope',
    'or severed; digests checked), text, and integrated payloads and dependencies.',
    'Signatures are not verified here: use `suitrig verify` with trust anchors.',
    '--json prints the same as one JSON document; --diag prints CBOR diagnostic notation',
    'annotated with names, as in draft-ietf-suit-manifest Appendix B.',
    'Exit status 1 when the input is readable but inconsistent (e.g. a digest mismatch).',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print the report as JSON' },
    diag: { type: 'boolean', description: 'print annotated CBOR diagnostic notation' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    if (optFlag(args, 'json') && optFlag(args, 'diag')) throw new UsageError('--json and --diag are exclusive');
    const bytes = readInputFile(file, io.cwd, 'envelope');
    const inspector = inspectors.find((i) => i.detect(bytes));
    if (!inspector) throw new EnvironmentError(`${file}: not a recognised format (expected: ${inspectors.map((i) => i.name).join(', ')})`);
    if (optFlag(args, 'diag')) {
      if (!inspector.diagnostic) throw new UsageError(`--diag is not available for ${inspector.name}`);
      io.stdout.write(guard(file, () => inspector.diagnostic!(bytes)));
      return EXIT_OK;
    }
    const report = guard(file, () => inspector.inspect(bytes));
    if (optFlag(args, 'json')) printJson(io, report);
    else io.stdout.write(inspector.render(report));
    return inspector.problems(report).length > 0 ? EXIT_NEGATIVE : EXIT_OK;
  },
};

function guard<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new EnvironmentError(`${file}: ${(e as Error).message}`);
  }
}
