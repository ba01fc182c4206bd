/**
 * `suitrig agent --tracker http://HOST:PORT [--token T] [--lab rig.yaml] [--name NAME]
 * [--grace 30s]` (DESIGN.md "Lab service": runs on each lab host, registers its boards, takes
 * jobs for them, streams progress and results back, heartbeats): the agent of rig/service/agent
 * serving a lab file's boards for a lab service on another host, over HTTP (http-link.ts).
 *
 * The first stdout line is `agent NAME: serving ...` once the service has taken the
 * registration; what the agent does goes to stderr. Ctrl-C, SIGTERM and SIGHUP stop it: jobs
 * running get the grace period to finish, the rest are handed back to the queue, the agent
 * leaves (its boards go offline), exit 0. A board another live agent serves is refused by the
 * service (exit 2, naming that agent); an agent whose name another process took over stops
 * (exit 1).
 */
import { BOARD_NAME_RE } from '../../lab/port-url.js';
import { findLabFile, loadLab } from '../../lab/load.js';
import { Agent } from '../../service/agent/agent.js';
import { HttpLink } from '../../service/agent/http-link.js';
import { TrackerError } from '../../service/client/tracker.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optString, type Command } from '../command.js';
import { stopRequest } from '../stop-request.js';
import { TRACKER_OPTIONS, agentName, trackerClient } from '../tracker-options.js';

/** How long an agent waits for a job in one request (the service answers at once when one comes). */
const POLL_MS = 25_000;
const DEFAULT_GRACE = '30s';
const MAX_GRACE_S = 24 * 3600;

/** `0`, `45`, `30s`, `5m`, `1h`: seconds. */
function parseGrace(text: string): number {
  const m = /^([0-9]{1,6})([smh]?)$/.exec(text);
  const s = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600 }[m[2] as '' | 's' | 'm' | 'h'] : NaN;
  if (!(s >= 0 && s <= MAX_GRACE_S)) throw new UsageError(`--grace ${text}: expected a duration such as 0, 30s, 5m or 1h (at most 24h)`);
  return s;
}

export const agentCommand: Command = {
  path: ['agent'],
  summary: "serve a lab file's boards for a lab service on another host (suitrig serve), over HTTP",
  usage: '--tracker http://HOST:PORT [--token T] [--lab rig.yaml] [--name NAME] [--grace 30s]',
  details: [
    'Registers the boards of the lab file with the service under the agent NAME (default: this host',
    "name), reports what each runs, heartbeats, and works each board's jobs one at a time: campaign",
    'updates and QA runs, with the same code as `suitrig update` and `suitrig run`. The token needs the',
    'agent role (`suitrig token create --role agent`); it may come from SUITRIG_TOKEN instead.',
    'The first stdout line is `agent NAME: serving <boards>`. A board that another live agent serves is',
    'refused, naming that agent. A second process with the same NAME takes the name over: the first',
    'stops at its next heartbeat (exit 1). If the agent dies, its boards go offline after the',
    "service's heartbeat TTL and its jobs are retried by their rule once it (or the lease) is back.",
    `Ctrl-C or SIGTERM: jobs running get --grace (default ${DEFAULT_GRACE}) to finish, the rest are handed`,
    'back to the queue, the agent leaves (its boards go offline), exit 0.',
  ].join('\n'),
  options: {
    tracker: { ...TRACKER_OPTIONS.tracker!, description: 'the lab service to serve the boards for (suitrig serve)' },
    token: TRACKER_OPTIONS.token!,
    lab: { type: 'string', value: '<rig.yaml>', description: 'the boards to serve (default ./rig.yaml when present)' },
    name: { type: 'string', value: 'NAME', description: 'the agent name (default: the host name)' },
    grace: { type: 'string', value: '<duration>', description: `time jobs get to finish when stopped (default ${DEFAULT_GRACE})` },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const url = optString(args, 'tracker');
    if (url === undefined) throw new UsageError('--tracker http://HOST:PORT is required: the lab service (suitrig serve) the boards are served for');
    const client = trackerClient(url, args, io);
    const name = optString(args, 'name') ?? agentName();
    if (!BOARD_NAME_RE.test(name)) throw new UsageError(`--name: '${name}' is not an agent name (letters, digits, . _ -, at most 64)`);
    const graceS = parseGrace(optString(args, 'grace') ?? DEFAULT_GRACE);
    const labFile = findLabFile(io.cwd, optString(args, 'lab'));
    if (labFile === undefined) throw new UsageError('--lab rig.yaml is required (there is no ./rig.yaml here): the boards to serve');
    const lab = loadLab(labFile);

    const log = (line: string): void => void io.stderr.write(`${line}\n`);
    const stop = stopRequest(io.signal);
    try {
      let agent: Agent;
      try {
        agent = await Agent.start({ name, lab, link: new HttpLink(client), log, pollMs: POLL_MS });
      } catch (e) {
        if (e instanceof TrackerError) throw new EnvironmentError(`agent ${name} not registered: ${e.message}`);
        throw e;
      }
      io.stdout.write(`${agent.summary} for ${client.base}\n`);
      const end = await Promise.race([stop.requested.then((why) => ({ stop: why })), agent.ended.then((why) => ({ ended: why }))]);
      if ('ended' in end) {
        io.stderr.write(`suitrig agent: agent ${name} stopped: ${end.ended}\n`);
        return EXIT_NEGATIVE;
      }
      log(`agent ${name}: stopping (${end.stop}); jobs running get ${graceS} s to finish`);
      await agent.stop(graceS * 1000);
      log(`agent ${name}: stopped`);
      return EXIT_OK;
    } finally {
      stop.dispose();
    }
  },
};
