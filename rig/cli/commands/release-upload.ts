/**
 * `suitrig release upload <envelope.suit> [--payload <uri>=<file>]... --tracker URL [--token T]
 * [--json]` (DESIGN.md "Lab service", releases): sends a release to a lab service, which
 * verifies it against its trust anchors and the payloads against the manifest's digests before
 * storing it. Prints the release id (the hex SHA-256 of the envelope). Exit 0 stored (or stored
 * before), 1 refused by the service's verification (its reason printed), 2 usage or
 * environment error (unreachable service, token refused, files unreadable).
 */
import { basename } from 'node:path';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, type Command } from '../command.js';
import { payloadFiles, readInputFile } from '../files.js';
import { TRACKER_OPTIONS, trackerClient } from '../tracker-options.js';
import { TrackerError } from '../../service/client/tracker.js';

interface StoredRelease {
  id: string;
  sequence: number | string;
  signers: string[];
  payloads: { uri: string; size: number }[];
}

export const releaseUploadCommand: Command = {
  path: ['release', 'upload'],
  summary: 'upload a SUIT envelope and its payloads to a lab service (verified there before it is stored)',
  usage: '<envelope.suit> [--payload <uri>=<file>]... --tracker URL [--token T] [--json]',
  details: [
    'The service verifies the envelope with the verifier core against its trust anchors (serve --trust,',
    '--require) and each payload against the digest the manifest states, and stores the release only',
    'then. --payload keys are the URIs exactly as the manifest writes them; every URI the manifest',
    'fetches must be given, and no other. --token: an operator token (default: $SUITRIG_TOKEN).',
    'Exit status: 0 stored; 1 refused by the service (the verifier\'s reason is printed); 2 usage or',
    'environment error.',
  ].join('\n'),
  options: {
    payload: { type: 'string', multiple: true, value: '<uri>=<file>', description: 'a payload, by the URI the manifest fetches it from' },
    tracker: TRACKER_OPTIONS.tracker!,
    token: TRACKER_OPTIONS.token!,
    json: { type: 'boolean', description: 'print the stored release as JSON' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const url = optString(args, 'tracker');
    if (url === undefined) throw new UsageError('--tracker URL is required: the lab service to upload to');
    const client = trackerClient(url, args, io);
    const file = args.positionals[0]!;
    const envelope = readInputFile(file, io.cwd, 'envelope');
    const payloads = payloadFiles(optStrings(args, 'payload'), io.cwd);
    const form = new FormData();
    form.append('envelope', new Blob([envelope]), basename(file));
    for (const [uri, bytes] of payloads) form.append(uri, new Blob([bytes]), 'payload');
    let stored: StoredRelease;
    try {
      stored = await client.call<StoredRelease>('POST', '/releases', form);
    } catch (e) {
      if (!(e instanceof TrackerError)) throw e;
      if (e.status === 422) {
        io.stderr.write(`release upload: refused: ${e.message}\n`);
        return EXIT_NEGATIVE;
      }
      throw new EnvironmentError(e.message);
    }
    if (optFlag(args, 'json')) printJson(io, stored);
    else {
      io.stdout.write(`${stored.id}\n`);
      io.stderr.write(`release   sequence ${stored.sequence}, signed by ${stored.signers.join(', ') || '-'}, ${stored.payloads.length} payload(s): ${stored.payloads.map((p) => `${p.uri} (${p.size} bytes)`).join(', ') || 'none'}\n`);
    }
    return EXIT_OK;
  },
};
