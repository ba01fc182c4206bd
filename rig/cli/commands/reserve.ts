/**
 * `suitrig reserve <board> --tracker URL [--token T] [--for 30m] [--ttl S] [--holder H] [--wait]`
 * and `suitrig release <board> --id ID --tracker URL [--token T]` (DESIGN.md "Lab service":
 * `POST /boards/{name}/reservations`; issue 13). `reserve` takes a lease on the board and holds
 * it while it runs, renewing it at a third of its TTL — so a holder that is killed loses the
 * board within one TTL — and releases it on Ctrl-C, SIGTERM, SIGHUP or when `--for` is over.
 * `--wait` asks again every few seconds while someone else holds the board (not a fair queue:
 * whoever asks first after it is free gets it).
 */
import { BOARD_NAME_RE } from '../../lab/port-url.js';
import { TrackerError, type TrackerClient } from '../../service/client/tracker.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { stopRequest } from '../stop-request.js';
import { TRACKER_OPTIONS, trackerClient } from '../tracker-options.js';

interface Lease {
  id: string;
  board: string;
  holder: string;
  expires_at: string;
}

const WAIT_POLL_MS = 2_000;
const MAX_FOR_S = 30 * 24 * 3600;

function client(args: ParsedArgs, io: CliIo): TrackerClient {
  const url = optString(args, 'tracker');
  if (url === undefined) throw new UsageError('--tracker URL is required: reservations are kept by the lab service (suitrig serve)');
  return trackerClient(url, args, io);
}

function boardArg(args: ParsedArgs): string {
  const board = args.positionals[0]!;
  if (!BOARD_NAME_RE.test(board)) throw new UsageError(`'${board}' is not a board name (letters, digits, . _ -)`);
  return board;
}

/** `90s`, `30m`, `2h`, `1d` or plain seconds, in seconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^([1-9][0-9]{0,7})([smhd]?)$/.exec(text);
  const s = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(s > 0 && s <= MAX_FOR_S)) throw new UsageError(`${option} ${text}: expected a duration such as 90s, 30m, 2h or 1d (at most 30d)`);
  return s;
}

const fail = (e: unknown): never => {
  if (e instanceof TrackerError) throw new EnvironmentError(`--tracker ${e.message}`);
  throw e;
};

export const reserveCommand: Command = {
  path: ['reserve'],
  summary: 'reserve a board in a lab service and hold it while this runs (renewing the lease); released on Ctrl-C',
  usage: '<board> --tracker URL [--token T] [--for 30m] [--ttl S] [--holder H] [--wait]',
  details: [
    'Prints the lease (board, holder, until when, lease id) on stdout, then renews it every third of',
    'its TTL until Ctrl-C, SIGTERM or the end of --for, and releases it. A reserved board takes no',
    'campaign or run job. If this process is killed, the lease expires on its own after --ttl seconds.',
    'Exit status: 0 held and released; 1 the board is held by someone else (without --wait) or the',
    'lease was lost; 2 usage or environment error. --token: an operator token (default: $SUITRIG_TOKEN).',
  ].join('\n'),
  options: {
    tracker: TRACKER_OPTIONS.tracker!,
    token: TRACKER_OPTIONS.token!,
    for: { type: 'string', value: 'DURATION', description: 'hold it this long, then release (90s, 30m, 2h; default: until stopped)' },
    ttl: { type: 'string', value: 'S', description: 'seconds the lease lives without a renewal (default 60, at most 86400)' },
    holder: { type: 'string', value: 'H', description: "who holds it, shown in the fleet (default: the token's name)" },
    wait: { type: 'boolean', description: 'while someone else holds it, wait and ask again' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const board = boardArg(args);
    const forS = optString(args, 'for') === undefined ? undefined : parseDuration(optString(args, 'for')!, '--for');
    const ttlText = optString(args, 'ttl') ?? '60';
    if (!/^[1-9][0-9]{0,4}$/.test(ttlText) || Number(ttlText) > 86_400) throw new UsageError(`--ttl ${ttlText}: expected whole seconds from 1 to 86400`);
    const ttl = Number(ttlText);
    const holder = optString(args, 'holder');
    const tracker = client(args, io);
    const stop = stopRequest(io.signal);
    let stopped: string | undefined;
    void stop.requested.then((why) => (stopped = why));
    const pause = (ms: number) => Promise.race([new Promise((r) => setTimeout(r, ms).unref()), stop.requested]);
    try {
      let lease: Lease | undefined;
      while (!lease) {
        try {
          lease = await tracker.call<Lease>('POST', `/boards/${board}/reservations`, { ttl_s: ttl, ...(holder ? { holder } : {}) });
        } catch (e) {
          if (!(e instanceof TrackerError && e.status === 409)) fail(e);
          if (!optFlag(args, 'wait')) {
            io.stderr.write(`reserve: ${(e as Error).message}\n`);
            return EXIT_NEGATIVE;
          }
          io.stderr.write(`waiting   ${(e as Error).message.replace(/^.*conflict: /, '')}\n`);
          await pause(WAIT_POLL_MS);
          if (stopped) return EXIT_NEGATIVE;
        }
      }
      io.stdout.write(`reserved ${lease.board} by ${lease.holder} until ${lease.expires_at} (lease ${lease.id})\n`);
      const end = forS === undefined ? Infinity : Date.now() + forS * 1000;
      while (!stopped && Date.now() < end) {
        await pause(Math.min((ttl * 1000) / 3, end - Date.now()));
        if (stopped || Date.now() >= end) break;
        try {
          lease = await tracker.call<Lease>('PUT', `/boards/${board}/reservations/${lease.id}`, { ttl_s: ttl });
        } catch (e) {
          if (e instanceof TrackerError && e.status === 404) {
            io.stderr.write(`reserve: lease lost: ${e.message}\n`);
            return EXIT_NEGATIVE;
          }
          // Unreachable for a moment: the lease lives on until expires_at; keep trying.
          io.stderr.write(`warning: renewing the lease: ${(e as Error).message}\n`);
        }
      }
      await tracker.call('DELETE', `/boards/${board}/reservations/${lease.id}`).catch(fail);
      io.stdout.write(`released ${board}${stopped ? ` (${stopped})` : ''}\n`);
      return EXIT_OK;
    } finally {
      stop.dispose();
    }
  },
};

export const releaseCommand: Command = {
  path: ['release'],
  summary: 'release a reservation of a board in a lab service (the lease id that reserve printed)',
  usage: '<board> --id ID --tracker URL [--token T]',
  details: 'Exit status: 0 released; 1 no such lease of this token on that board; 2 usage or environment error.',
  options: {
    tracker: TRACKER_OPTIONS.tracker!,
    token: TRACKER_OPTIONS.token!,
    id: { type: 'string', value: 'ID', description: 'the lease id' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const board = boardArg(args);
    const id = optString(args, 'id');
    if (!id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new UsageError('--id ID is required: the lease id that reserve printed');
    const tracker = client(args, io);
    try {
      await tracker.call('DELETE', `/boards/${board}/reservations/${id}`);
    } catch (e) {
      if (e instanceof TrackerError && e.status === 404) {
        io.stderr.write(`release: ${e.message}\n`);
        return EXIT_NEGATIVE;
      }
      fail(e);
    }
    io.stdout.write(`released ${board}\n`);
    return EXIT_OK;
  },
};
