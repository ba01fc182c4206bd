/**
 * `suitrig reserve <board|tag> --tracker URL [--token T] [--count N] [--for 30m] [--ttl S]
 * [--holder H] [--wait]` and `suitrig release <board> --id ID --tracker URL [--token T]`
 * (DESIGN.md "Lab service": `POST /boards/{name}/reservations`; issue 13). `reserve` takes the
 * board, or any free board with the tag (`--count N`: N of them, all or none), and holds the
 * leases while it runs, renewing them at a third of their TTL — so a holder that is killed loses
 * its boards within one TTL — and releases them on Ctrl-C, SIGTERM, SIGHUP or when `--for` is
 * over. `--wait` queues for them fairly, first come first served (rig/service/client/reservations.ts).
 */
import { BOARD_NAME_RE } from '../../lab/port-url.js';
import { BoardsHeldError, WaitAbortedError, reserveBoards, type ReserveTarget, type Reservation } from '../../service/client/reservations.js';
import { TrackerError, type TrackerClient } from '../../service/client/tracker.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { stopRequest } from '../stop-request.js';
import { TRACKER_OPTIONS, trackerClient } from '../tracker-options.js';

const MAX_FOR_S = 30 * 24 * 3600;
/** A waiting ticket lives at most this long without its heartbeat, whatever the lease's TTL. */
const MAX_TICKET_TTL_S = 30;

function client(args: ParsedArgs, io: CliIo): TrackerClient {
  const url = optString(args, 'tracker');
  if (url === undefined) throw new UsageError('--tracker URL is required: reservations are kept by the lab service (suitrig serve)');
  return trackerClient(url, args, io);
}

function nameArg(args: ParsedArgs, what: string): string {
  const name = args.positionals[0]!;
  if (!BOARD_NAME_RE.test(name)) throw new UsageError(`'${name}' is not a ${what} (letters, digits, . _ -)`);
  return name;
}

/** `90s`, `30m`, `2h`, `1d` or plain seconds, in seconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^([1-9][0-9]{0,7})([smhd]?)$/.exec(text);
  const s = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(s > 0 && s <= MAX_FOR_S)) throw new UsageError(`${option} ${text}: expected a duration such as 90s, 30m, 2h or 1d (at most 30d)`);
  return s;
}

/** `--ttl S`: whole seconds from 1 to 86400 (default 60). */
export function parseTtl(args: ParsedArgs): number {
  const text = optString(args, 'ttl') ?? '60';
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 86_400) throw new UsageError(`--ttl ${text}: expected whole seconds from 1 to 86400`);
  return Number(text);
}

const fail = (e: unknown): never => {
  if (e instanceof TrackerError) throw new EnvironmentError(`--tracker ${e.message}`);
  throw e;
};

/** The board named, or — when no board has that name, or with --count — boards with that tag. */
async function targetOf(tracker: TrackerClient, name: string, count: number | undefined): Promise<ReserveTarget> {
  if (count !== undefined) return { tag: name, count };
  try {
    await tracker.call('GET', `/boards/${name}`);
    return { board: name };
  } catch (e) {
    if (e instanceof TrackerError && e.status === 404) return { tag: name };
    return fail(e);
  }
}

export const reserveCommand: Command = {
  path: ['reserve'],
  summary: 'reserve a board (or any free board with a tag) in a lab service and hold it while this runs; released on Ctrl-C',
  usage: '<board|tag> --tracker URL [--token T] [--count N] [--for 30m] [--ttl S] [--holder H] [--wait]',
  details: [
    'A board name takes that board; a tag (a name no board has, or with --count) takes any free',
    'board with the tag — --count N boards at once, all or none — and says which. Prints each lease',
    '(board, holder, until when, lease id) on stdout once no job runs on its board (a board reserved',
    'while busy finishes that job first), then renews them every third of their TTL',
    'until Ctrl-C, SIGTERM or the end of --for, and releases them. A reserved board takes no',
    'campaign or run job. If this process is killed, the leases expire on their own after --ttl',
    'seconds. --wait queues for the boards, first come first served: the waiter asks again at each',
    'change the service reports, and leaves the queue when it stops (killed: within min(--ttl, 30) s).',
    'Exit status: 0 held and released; 1 held by someone else (without --wait), or a lease was',
    'lost; 2 usage or environment error. --token: an operator token, or an agent token for its own',
    "agents' boards (default: $SUITRIG_TOKEN).",
  ].join('\n'),
  options: {
    tracker: TRACKER_OPTIONS.tracker!,
    token: TRACKER_OPTIONS.token!,
    count: { type: 'string', value: 'N', description: 'boards with the tag to take at once (1 to 64; makes the name a tag)' },
    for: { type: 'string', value: 'DURATION', description: 'hold it this long, then release (90s, 30m, 2h; default: until stopped)' },
    ttl: { type: 'string', value: 'S', description: 'seconds a lease lives without a renewal (default 60, at most 86400)' },
    holder: { type: 'string', value: 'H', description: "who holds it, shown in the fleet (default: the token's name)" },
    wait: { type: 'boolean', description: 'while the boards are held, queue for them (first come, first served)' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const name = nameArg(args, 'board or tag name');
    const countText = optString(args, 'count');
    if (countText !== undefined && (!/^[1-9][0-9]?$/.test(countText) || Number(countText) > 64)) throw new UsageError(`--count ${countText}: expected a number of boards from 1 to 64`);
    const forS = optString(args, 'for') === undefined ? undefined : parseDuration(optString(args, 'for')!, '--for');
    const ttl = parseTtl(args);
    const holder = optString(args, 'holder');
    if (holder !== undefined && !/^[\x20-\x7e]{1,64}$/.test(holder)) throw new UsageError('--holder: expected 1 to 64 printable ASCII characters');
    const tracker = client(args, io);
    const stop = stopRequest(io.signal);
    let stopped: string | undefined;
    const waitAbort = new AbortController();
    void stop.requested.then((why) => {
      stopped = why;
      waitAbort.abort();
    });
    let lost: string | undefined;
    let held: Reservation;
    try {
      const target = await targetOf(tracker, name, countText === undefined ? undefined : Number(countText));
      try {
        held = await reserveBoards(tracker, target, {
          ttlS: ttl,
          ticketTtlS: Math.min(ttl, MAX_TICKET_TTL_S),
          ...(holder !== undefined ? { holder } : {}),
          wait: optFlag(args, 'wait'),
          signal: waitAbort.signal,
          onQueued: (t) => io.stderr.write(`waiting   ${t.why} (place ${t.position} in the queue)\n`),
          onBusy: (b) => io.stderr.write(`waiting   ${b.join(', ')} reserved, still busy with a job that ends first\n`),
          onLost: (l, why) => {
            lost ??= `the lease of ${l.board} was lost: ${why}`;
            waitAbort.abort();
          },
          onWarning: (m) => io.stderr.write(`warning: ${m}\n`),
        });
      } catch (e) {
        if (e instanceof BoardsHeldError) {
          io.stderr.write(`reserve: ${e.message}\n`);
          return EXIT_NEGATIVE;
        }
        if (e instanceof WaitAbortedError) {
          io.stderr.write(`reserve: ${stopped ?? 'stopped'} while waiting; left the queue\n`);
          return EXIT_NEGATIVE;
        }
        return fail(e);
      }
      for (const l of held.leases) io.stdout.write(`reserved ${l.board} by ${l.holder} until ${l.expires_at} (lease ${l.id})\n`);
      // The leases are renewed by `held` meanwhile (its timer does not keep a process alive: this one does).
      // In steps of at most an hour: a timer cannot count to 30 days.
      const end = forS === undefined ? Infinity : Date.now() + forS * 1000;
      let forTimer: NodeJS.Timeout | undefined;
      const forOver = new Promise<void>((done) => {
        const step = (): void => {
          if (Date.now() >= end) return done();
          forTimer = setTimeout(step, Math.min(end - Date.now(), 3_600_000));
        };
        step();
      });
      try {
        // A lost lease (onLost) ends the hold as well.
        await Promise.race([forOver, stop.requested, new Promise((r) => waitAbort.signal.addEventListener('abort', r, { once: true }))]);
      } finally {
        clearTimeout(forTimer);
      }
      await held.release().catch(fail);
      if (lost) {
        io.stderr.write(`reserve: ${lost}\n`);
        return EXIT_NEGATIVE;
      }
      for (const b of held.boards) io.stdout.write(`released ${b}${stopped ? ` (${stopped})` : ''}\n`);
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
    const board = nameArg(args, 'board name');
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
