/**
 * `suitrig verify <envelope.suit> --trust [role=]<key>... [--require ROLES] [--device <identity.json>]
 * [--sequence N] [--run <sequences> --payload <uri>=<file>...] [--json]` (DESIGN.md "Command line"):
 * what a device holding these trust anchors would decide about the envelope, decided by the
 * verifier core itself (build/verifier.wasm). With --run, the processor also runs the chosen
 * sequences against an in-memory device with the given payloads (an author's check before
 * delivery). Exit 0 accepted, 1 rejected (malformed input included), 2 usage or environment error.
 */
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, type CliIo, type Command } from '../command.js';
import { payloadFiles, readInputFile } from '../files.js';
import { DECRYPT_KEY_OPTION, policyFromArgs } from '../key-options.js';
import {
  MemoryPlatform, PROCEDURES, SECTION_KEYS, SuitProcessor, componentText, runWithPayloads, verifyEnvelope,
  type FinishedRun, type Policy, type RunRecord, type SectionName, type Verdict, type VerifyResult,
} from '../../../host/verifier/index.js';
import { toHex } from '../../../host/util/hex.js';
import { EnvelopeError, restoreMembers, SEVERABLE_MEMBERS, type SeverableMember } from '../../../host/suit/index.js';
import { formatUuid } from '../../../host/util/uuid.js';

/** `--run install,validate` or procedure names (update, invoke, staging, installation). */
export function parseRunArg(arg: string): (SectionName | 'shared')[] {
  const out: (SectionName | 'shared')[] = [];
  for (const w of arg.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    if (w in PROCEDURES) out.push(...PROCEDURES[w as keyof typeof PROCEDURES]);
    else if (w === 'shared' || w in SECTION_KEYS) out.push(w as SectionName | 'shared');
    else throw new UsageError(`--run: unknown sequence '${w}' (sequences: ${Object.keys(SECTION_KEYS).join(', ')}, shared; procedures: ${Object.keys(PROCEDURES).join(', ')})`);
  }
  if (out.length === 0) throw new UsageError('--run: no sequences given');
  if (out.length > 16) throw new UsageError('--run: at most 16 sequences');
  return out;
}

/** `--member <name>=<file>...`: the severed members put back into the envelope. */
function withMembers(envelope: Uint8Array, args: string[], cwd: string, file: string): Uint8Array {
  if (args.length === 0) return envelope;
  const members = args.map((a) => {
    const eq = a.indexOf('=');
    const name = a.slice(0, eq);
    if (eq <= 0 || eq === a.length - 1 || !(SEVERABLE_MEMBERS as readonly string[]).includes(name)) {
      throw new UsageError(`--member ${a}: expected <name>=<file> with name one of ${SEVERABLE_MEMBERS.join(', ')}`);
    }
    return { name: name as SeverableMember, content: readInputFile(a.slice(eq + 1), cwd, 'envelope', `--member ${name}`) };
  });
  try {
    return restoreMembers(envelope, members);
  } catch (e) {
    if (e instanceof EnvelopeError) throw new EnvironmentError(`${file}: --member ${e.message}`);
    throw e;
  }
}

function recordLine(r: RunRecord): string {
  const where = `${r.manifest.length ? `dependency ${r.manifest.join('.')} ` : ''}${r.sectionName}@${r.offset}`;
  return `  ${where.padEnd(28)} ${r.commandName.padEnd(22)} ${r.component >= 0 ? `component ${r.component}` : ''} ${r.outcome}`.trimEnd();
}

function render(io: CliIo, file: string, bytes: number, r: VerifyResult, runFollows: boolean): void {
  const out: string[] = [`envelope  ${file} (${bytes} bytes)`];
  for (const s of r.signatures) {
    const who = s.status !== 'verified' ? '' : s.delegated ? ` by ${s.keySource} (a delegation chain in the envelope; role ${s.role})` : ` by ${s.role} key ${s.keySource}`;
    out.push(`signature ${s.cose} ${s.algName}: ${s.status}${who}`);
  }
  if (r.manifest) {
    const m = r.manifest;
    const secs = Object.entries(m.sections).map(([k, v]) => (v === 'severed' ? `${k} (severed)` : k));
    out.push(`manifest  sequence ${m.sequenceNumber}, ${m.components.length} component${m.components.length === 1 ? '' : 's'}, digest ${toHex(m.digest).slice(0, 16)}...`);
    if (secs.length > 0) out.push(`sequences ${secs.join(', ')}`);
    if (m.referenceUri) out.push(`reference ${m.referenceUri}`);
  }
  if (r.conditions.length > 0) {
    out.push('shared sequence (dry run):');
    for (const c of r.conditions) out.push(recordLine(c));
  }
  const label = runFollows ? 'verified ' : 'result   ';
  out.push(r.accepted ? `${label} accepted` : `${label} rejected: ${r.reason} (${r.detail}): ${r.message}`);
  io.stdout.write(out.join('\n') + '\n');
}

/** The run's first line: the payloads fed to the processor, and the fetched URIs no --payload answered. */
function fedLine(fetched: readonly string[], supplied: ReadonlyMap<string, Uint8Array>): string {
  const fed = fetched.filter((u) => supplied.has(u));
  const missing = fetched.filter((u) => !supplied.has(u));
  return (
    `run       ${fed.length} payload${fed.length === 1 ? '' : 's'} supplied${fed.length ? `: ${fed.join(', ')}` : ''}` +
    (missing.length ? `; fetched without a --payload: ${missing.join(', ')}` : '')
  );
}

function renderRun(io: CliIo, run: FinishedRun, fetched: string[], supplied: ReadonlyMap<string, Uint8Array>): void {
  const out: string[] = [fedLine(fetched, supplied)];
  for (const r of run.records) out.push(recordLine(r));
  for (const w of run.written) {
    const which = w.index >= 0 ? `component ${w.index}` : 'the source of a swap';
    out.push(`written   ${componentText(w.id)} (${which}${w.manifest.length ? ` of dependency ${w.manifest.join('.')}` : ''})`);
  }
  out.push(run.accepted ? `result    ${run.status === 'invoked' ? 'invoked' : 'accepted'}` : `result    rejected: ${run.reason} (${run.detail}): ${run.message}`);
  io.stdout.write(out.join('\n') + '\n');
}

function verdictJson(v: Verdict) {
  return { accepted: v.accepted, reason: v.reason, reasonCode: v.reasonCode, detail: v.detail, detailCode: v.detailCode, message: v.message, ...(v.at ? { at: v.at } : {}) };
}

function recordJson(r: RunRecord) {
  return { manifest: r.manifest, section: r.sectionName, offset: r.offset, component: r.component, command: r.commandName, outcome: r.outcome };
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary: 'decide whether a device with these trust anchors accepts a SUIT envelope',
  usage: '<envelope.suit> --trust [role=]<key>... [--require ROLES] [--device <identity.json>] [--sequence N] [--member <name>=<file>...] [--dependency-prefixes name|prepend] [--run <sequences> --payload <uri>=<file>... --decrypt-key <key>...] [--json]',
  details: [
    'Runs the verifier core (build/verifier.wasm, the same code as the virtual board) over the',
    'envelope: the SUIT_Digest against the manifest, every COSE_Sign1 / COSE_Sign / COSE_Mac0',
    'block against the trust anchors, the role policy, severable members against their digests,',
    'well-formedness of every command sequence, and rollback against --sequence.',
    '--trust takes [role=]file: an SPKI PEM public key, a COSE_Key, or a 32-byte raw HMAC-256 key',
    'file (COSE_Mac0); the role defaults to author. --require author,operator makes every listed role',
    'sign; by default one signature by any trusted key suffices.',
    '--device takes {"vendor-id": "<uuid>", "class-id": "<uuid>", "device-id": "<uuid>"} (each',
    'optional): the shared sequence runs dry, with identifier conditions enforced for the identities',
    'given and reported otherwise; conditions that need a payload are reported as not evaluated.',
    '--member install=install.cbor puts a severed member back before verifying (its contents, as',
    '`suitrig sever --save-members` writes them); the core checks it against the manifest digest.',
    '--dependency-prefixes prepend: the device prepends a dependency\'s suit-dependency-prefix to the',
    'identifiers of its components (default name: the prefix only names where it is stored).',
    '--run install,validate (or a procedure: update, invoke, staging, installation) then runs the',
    'sequences on an in-memory device, fetching each URI from --payload <uri>=<file> (the URI exactly',
    'as the manifest writes it); integrated payloads come from the envelope itself. Encrypted',
    'payloads (draft-ietf-suit-firmware-encryption) are decrypted with the --decrypt-key keys.',
    'Reasons are the SUIT_Report reasons of draft-ietf-suit-report (--json: reason, reasonCode).',
    '--json: accepted, reason, reasonCode, detail and message at the top are the verdict the exit',
    "status gives (with --run, the run's); verification holds the envelope's own, run the trace.",
  ].join('\n'),
  options: {
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'a trusted key, with its role (default author)' },
    require: { type: 'string', value: 'ROLES', description: 'comma-separated roles that must all have signed' },
    device: { type: 'string', value: '<identity.json>', description: 'device identity for vendor / class / device conditions' },
    sequence: { type: 'string', value: 'N', description: "the device's stored sequence number (lower ones are rollbacks)" },
    member: { type: 'string', multiple: true, value: '<name>=<file>', description: 'a severed member to put back (install, text, ...)' },
    'dependency-prefixes': { type: 'string', value: 'name|prepend', description: 'what a suit-dependency-prefix means on this device (default name)' },
    run: { type: 'string', value: '<sequences>', description: 'run sequences / procedures (e.g. install,validate or update,invoke) on an in-memory device' },
    payload: { type: 'string', multiple: true, value: '<uri>=<file>', description: 'payload for a URI the manifest fetches (with --run)' },
    'decrypt-key': DECRYPT_KEY_OPTION,
    json: { type: 'boolean', description: 'print one JSON object' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    const prefixes = optString(args, 'dependency-prefixes') ?? 'name';
    if (prefixes !== 'name' && prefixes !== 'prepend') throw new UsageError(`--dependency-prefixes: '${prefixes}' is neither name nor prepend`);
    const policy: Policy = { ...policyFromArgs(args, io.cwd), dependencyPrefixes: prefixes };
    const device = policy.device;
    const runArg = optString(args, 'run');
    const payloadArgs = optStrings(args, 'payload');
    if (payloadArgs.length > 0 && runArg === undefined) throw new UsageError('--payload needs --run <sequences>');
    const sequences = runArg !== undefined ? parseRunArg(runArg) : undefined;
    const supplied = payloadFiles(payloadArgs, io.cwd);
    const envelope = withMembers(readInputFile(file, io.cwd, 'envelope'), optStrings(args, 'member'), io.cwd, file);
    const r = verifyEnvelope(envelope, policy);
    let run: FinishedRun | undefined;
    const fetched: string[] = [];
    if (sequences && r.accepted) {
      const platform = new MemoryPlatform({ defaultSlot: 0n });
      run = runWithPayloads(new SuitProcessor(platform), envelope, { ...policy, sequences }, supplied, {
        onFetch: (f) => {
          fetched.push(f.uri);
          if (!supplied.has(f.uri)) io.stderr.write(`verify: no --payload for ${f.uri} (the manifest fetches it into component ${f.component})\n`);
        },
      });
    }
    // The command's verdict: the run's when sequences ran, else the envelope's verification.
    const verdict: Verdict = run ?? r;
    if (optFlag(args, 'json')) {
      printJson(io, {
        file,
        ...verdictJson(verdict),
        verification: verdictJson(r),
        sequenceNumber: r.sequenceNumber ?? null,
        // The digest the envelope states: also for one that did not authenticate (its report names it so).
        manifestDigest: r.manifestDigest ? toHex(r.manifestDigest) : null,
        signatures: r.signatures,
        ...(r.manifest ? { sections: r.manifest.sections, components: r.manifest.components.map(toHex) } : {}),
        ...(device ? { device: { vendorIds: device.vendorIds?.map(formatUuid), classIds: device.classIds?.map(formatUuid), deviceIds: device.deviceIds?.map(formatUuid) } } : {}),
        conditions: r.conditions.map(recordJson),
        ...(run
          ? {
              run: {
                accepted: run.accepted,
                status: run.status,
                reason: run.reason,
                reasonCode: run.reasonCode,
                detail: run.detail,
                message: run.message,
                ...(run.at ? { at: run.at } : {}),
                fetched,
                records: run.records.map(recordJson),
                written: run.written.map((w) => ({ manifest: w.manifest, index: w.index, component: componentText(w.id) })),
                report: toHex(run.report()),
              },
            }
          : {}),
      });
    } else {
      render(io, file, envelope.length, r, run !== undefined);
      if (run) renderRun(io, run, fetched, supplied);
    }
    return verdict.accepted ? EXIT_OK : EXIT_NEGATIVE;
  },
};
