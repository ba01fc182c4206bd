/**
 * `suitrig verify <envelope.suit> --trust [role=]<key>... [--require ROLES] [--device <identity.json>]
 * [--sequence N] [--json]` (DESIGN.md "Command line"): what a device holding these trust anchors
 * would decide about the envelope, decided by the verifier core itself (build/verifier.wasm).
 * Exit 0 accepted, 1 rejected (malformed input included), 2 usage or environment error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, optUint, printJson,
  type CliIo, type Command,
} from '../command.js';
import { KeyError, parseRequireArg, parseTrustArg, type TrustAnchor } from '../../../host/keys/index.js';
import { IdentityError, loadIdentity, uuidText, verifyEnvelope, type DeviceIdentity, type VerifyResult } from '../../../host/verifier/index.js';

function readEnvelope(file: string, cwd: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(resolve(cwd, file)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function trustAnchors(args: string[], cwd: string): TrustAnchor[] {
  if (args.length === 0) throw new UsageError('--trust is required: the key(s) the device trusts, [role=]<key file>');
  return args.map((a) => {
    try {
      return parseTrustArg(a, cwd);
    } catch (e) {
      if (e instanceof KeyError) throw new EnvironmentError(e.message);
      throw e;
    }
  });
}

function identity(file: string | undefined, cwd: string): DeviceIdentity | undefined {
  if (file === undefined) return undefined;
  try {
    return loadIdentity(resolve(cwd, file));
  } catch (e) {
    if (e instanceof IdentityError) throw new EnvironmentError(e.message);
    throw e;
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function render(io: CliIo, file: string, bytes: number, r: VerifyResult): void {
  const out: string[] = [`envelope  ${file} (${bytes} bytes)`];
  for (const s of r.signatures) {
    const who = s.status === 'verified' ? ` by ${s.role} key ${s.keySource}` : '';
    out.push(`signature ${s.cose} ${s.algName}: ${s.status}${who}`);
  }
  if (r.manifest) {
    const m = r.manifest;
    const secs = Object.entries(m.sections).map(([k, v]) => (v === 'severed' ? `${k} (severed)` : k));
    out.push(`manifest  sequence ${m.sequenceNumber}, ${m.components.length} component${m.components.length === 1 ? '' : 's'}, digest ${hex(m.digest).slice(0, 16)}...`);
    if (secs.length > 0) out.push(`sequences ${secs.join(', ')}`);
    if (m.referenceUri) out.push(`reference ${m.referenceUri}`);
  }
  out.push(r.accepted ? 'result    accepted' : `result    rejected: ${r.reason} (${r.detail}): ${r.message}`);
  io.stdout.write(out.join('\n') + '\n');
}

export const verifyCommand: Command = {
  path: ['verify'],
  summary: 'decide whether a device with these trust anchors accepts a SUIT envelope',
  usage: '<envelope.suit> --trust [role=]<key>... [--require ROLES] [--device <identity.json>] [--sequence N] [--json]',
  details: [
    'Runs the verifier core (build/verifier.wasm, the same code as the virtual board) over the',
    'envelope: the SUIT_Digest against the manifest, every COSE_Sign1 / COSE_Sign / COSE_Mac0',
    'block against the trust anchors, the role policy, severable members against their digests,',
    'well-formedness of every command sequence, and rollback against --sequence.',
    '--trust takes [role=]file: an SPKI PEM public key, a COSE_Key, or a raw symmetric key file',
    '(COSE_Mac0); the role defaults to author. --require author,operator makes every listed role',
    'sign; by default one signature by any trusted key suffices.',
    '--device takes {"vendor-id": "<uuid>", "class-id": "<uuid>", "device-id": "<uuid>"} (each',
    'optional) for the identifier conditions of the shared sequence.',
    'Reasons are the SUIT_Report reasons of draft-ietf-suit-report (--json: reason, reasonCode).',
  ].join('\n'),
  options: {
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'a trusted key, with its role (default author)' },
    require: { type: 'string', value: 'ROLES', description: 'comma-separated roles that must all have signed' },
    device: { type: 'string', value: '<identity.json>', description: 'device identity for vendor / class / device conditions' },
    sequence: { type: 'string', value: 'N', description: "the device's stored sequence number (lower ones are rollbacks)" },
    json: { type: 'boolean', description: 'print one JSON object' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = args.positionals[0]!;
    let require: string[] | undefined;
    const req = optString(args, 'require');
    if (req !== undefined) {
      try {
        require = parseRequireArg(req);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const storedSequence = optUint(args, 'sequence');
    const trust = trustAnchors(optStrings(args, 'trust'), io.cwd);
    const device = identity(optString(args, 'device'), io.cwd);
    const envelope = readEnvelope(file, io.cwd);
    const r = verifyEnvelope(envelope, {
      trust,
      ...(require ? { require } : {}),
      ...(storedSequence !== undefined ? { storedSequence } : {}),
      ...(device ? { device } : {}),
    });
    if (optFlag(args, 'json')) {
      printJson(io, {
        file,
        accepted: r.accepted,
        reason: r.reason,
        reasonCode: r.reasonCode,
        detail: r.detail,
        detailCode: r.detailCode,
        message: r.message,
        sequenceNumber: r.sequenceNumber ?? null,
        ...(r.at ? { at: r.at } : {}),
        manifestDigest: r.manifest ? hex(r.manifest.digest) : null,
        signatures: r.signatures,
        ...(r.manifest ? { sections: r.manifest.sections, components: r.manifest.components.map(hex) } : {}),
        ...(device ? { device: { vendorIds: device.vendorIds?.map(uuidText), classIds: device.classIds?.map(uuidText), deviceIds: device.deviceIds?.map(uuidText) } } : {}),
      });
    } else {
      render(io, file, envelope.length, r);
    }
    return r.accepted ? EXIT_OK : EXIT_NEGATIVE;
  },
};
