/**
 * `suitrig campaign start|show --tracker URL --token T` (DESIGN.md "Lab service", campaigns): the
 * device operator's update campaign from the command line, through the lab service's API —
 * `start <release> (--board B... | --tag T) [--groups 2,2] [--success-threshold S]
 * [--error-threshold E] [--deadline S] [--confirm S]` is `POST /campaigns`; `show <id> [--wait]`
 * is `GET /campaigns/{id}`, one line per board with its state and reason. Exit status of `show`
 * (and of `start --wait`): 0 the campaign is done with every board confirmed; 1 it ended or
 * paused otherwise (the reason is printed), or it still runs (without --wait); 2 usage or
 * environment errors (the service's refusals included).
 */
import { sleep, systemClock } from '../../../host/transport/clock.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { TRACKER_OPTIONS, trackerClient } from '../tracker-options.js';
import { TrackerError, type TrackerClient } from '../../service/client/tracker.js';

interface CampaignJson {
  id: number;
  state: string;
  reason: string | null;
  release: string;
  current_group: number;
  counts: Record<string, number>;
  boards: { board: string; group: number; state: string; reason: string | null; attempts: number }[];
}

/** How often `--wait` asks again. */
const POLL_MS = 1_000;

function tracker(args: ParsedArgs, io: CliIo): TrackerClient {
  const url = optString(args, 'tracker');
  if (url === undefined) throw new UsageError('--tracker URL is required: campaigns are run by the lab service (suitrig serve)');
  return trackerClient(url, args, io);
}

/** One call to the service; its refusal or absence is an environment error naming it (exit 2). */
async function ask(t: TrackerClient, method: 'GET' | 'POST', path: string, body?: unknown): Promise<CampaignJson> {
  try {
    return await t.call<CampaignJson>(method, path, body);
  } catch (e) {
    if (e instanceof TrackerError) throw new EnvironmentError(`--tracker ${e.message}`);
    throw e;
  }
}

function share(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^(0|1|0?\.[0-9]+|1\.0*)$/.test(v) || n < 0 || n > 1) throw new UsageError(`--${name}: expected a share from 0 to 1, e.g. 0.9, got '${v}'`);
  return n;
}

function seconds(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(v)) throw new UsageError(`--${name}: expected whole seconds, got '${v}'`);
  return Number(v);
}

function render(c: CampaignJson): string {
  const width = Math.max(5, ...c.boards.map((b) => b.board.length));
  const counts = Object.entries(c.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
  const lines = [`campaign ${c.id}: ${c.state}${c.reason ? ` (${c.reason})` : ''}; release ${c.release.slice(0, 16)}...; group ${c.current_group}; ${counts}`];
  for (const b of c.boards) lines.push(`  ${b.board.padEnd(width)}  group ${b.group}  ${b.state.padEnd(10)}${b.reason ? `  ${b.reason}` : ''}`);
  return lines.join('\n') + '\n';
}

/** Prints the campaign (after waiting for it to stop running, with --wait); the exit status. */
async function show(t: TrackerClient, id: number, args: ParsedArgs, io: CliIo): Promise<number> {
  let c = await ask(t, 'GET', `/campaigns/${id}`);
  while (optFlag(args, 'wait') && c.state === 'running') {
    await sleep(systemClock, POLL_MS, io.signal);
    c = await ask(t, 'GET', `/campaigns/${id}`);
  }
  if (optFlag(args, 'json')) printJson(io, c);
  else io.stdout.write(render(c));
  return c.state === 'done' && c.boards.every((b) => b.state === 'confirmed') ? EXIT_OK : EXIT_NEGATIVE;
}

const COMMON = { tracker: TRACKER_OPTIONS.tracker!, token: TRACKER_OPTIONS.token!, json: { type: 'boolean' as const, description: 'print the campaign as JSON (GET /campaigns/{id})' }, wait: { type: 'boolean' as const, description: 'wait until the campaign no longer runs' } };

export const campaignStartCommand: Command = {
  path: ['campaign', 'start'],
  summary: 'start an update campaign on the lab service: a release to boards in rollout groups',
  usage: '<release-id> (--board B... | --tag T) [--groups N,N...] [--success-threshold S] [--error-threshold E] [--deadline SECONDS] [--confirm SECONDS] [--wait] [--json] --tracker URL [--token T]',
  details: [
    'The release is one the service stores (GET /releases lists them; suitrig serve verified it).',
    '--groups: sizes of the rollout groups in board order (a tag\'s boards by name); the next group starts',
    'once the share --success-threshold (default 1) of the previous one is confirmed; the campaign pauses',
    'once the share --error-threshold of a group ended in error (default: when the success threshold is',
    'out of reach). --deadline: seconds a board may take from its first delivery (default 600); --confirm:',
    'seconds a booted test image may take to confirm itself before the board is reset to see whether it',
    'reverts (default 30). Prints the campaign as it starts, or as it ended with --wait.',
  ].join('\n'),
  options: {
    board: { type: 'string', multiple: true, value: '<name>', description: 'a board of the lab service' },
    tag: { type: 'string', value: '<tag>', description: 'every board with this tag' },
    groups: { type: 'string', value: 'N,N...', description: 'rollout group sizes' },
    'success-threshold': { type: 'string', value: '<share>', description: 'share of a group confirmed before the next starts (default 1)' },
    'error-threshold': { type: 'string', value: '<share>', description: 'share of a group in error at which the campaign pauses' },
    deadline: { type: 'string', value: '<seconds>', description: 'per board, from its first delivery (default 600)' },
    confirm: { type: 'string', value: '<seconds>', description: 'for a booted test image to confirm itself (default 30)' },
    ...COMMON,
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const t = tracker(args, io);
    const release = args.positionals[0]!;
    if (!/^[0-9a-f]{64}$/.test(release)) throw new UsageError(`release '${release}': expected its id, the hex SHA-256 of its envelope (GET /releases lists them)`);
    const boards = optStrings(args, 'board');
    const tag = optString(args, 'tag');
    const groupsArg = optString(args, 'groups');
    if (groupsArg !== undefined && !/^[1-9][0-9]*(,[1-9][0-9]*)*$/.test(groupsArg)) throw new UsageError(`--groups: expected sizes like 2,2,4, got '${groupsArg}'`);
    const optional = {
      success_threshold: share(optString(args, 'success-threshold'), 'success-threshold'),
      error_threshold: share(optString(args, 'error-threshold'), 'error-threshold'),
      deadline_s: seconds(optString(args, 'deadline'), 'deadline'),
      confirm_s: seconds(optString(args, 'confirm'), 'confirm'),
    };
    const body = {
      release,
      ...(boards.length > 0 ? { boards } : {}),
      ...(tag !== undefined ? { tag } : {}),
      ...(groupsArg !== undefined ? { groups: groupsArg.split(',').map(Number) } : {}),
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    };
    if ((boards.length > 0) === (tag !== undefined)) throw new UsageError('name the boards with --board or --tag (one of them)');
    const c = await ask(t, 'POST', '/campaigns', body);
    io.stderr.write(`campaign  ${c.id} started: ${t.base}/api/v1/campaigns/${c.id}\n`);
    return show(t, c.id, args, io);
  },
};

export const campaignShowCommand: Command = {
  path: ['campaign', 'show'],
  summary: "show an update campaign of the lab service: each board's state and reason",
  usage: '<id> [--wait] [--json] --tracker URL [--token T]',
  details: 'Exit status: 0 done with every board confirmed; 1 otherwise (still running without --wait, paused, cancelled, or a board not confirmed); 2 usage or environment error.',
  options: COMMON,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const t = tracker(args, io);
    const id = args.positionals[0]!;
    if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new UsageError(`campaign '${id}': expected its number`);
    return show(t, Number(id), args, io);
  },
};
