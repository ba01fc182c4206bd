/**
 * `run`, `update` and `flash` with `--tracker URL --token T` reserve the boards they work on for
 * their duration (issue 13: "run/update/flash against a board through the service take a
 * reservation for their duration"), so the service's campaign and run jobs keep off them: each
 * lease is renewed while the command runs and released when it ends — also on a failure or
 * Ctrl-C; a command that is killed loses its leases within their TTL.
 *
 * - A board someone else holds: the command stops before it touches the board, exit 2, naming
 *   the holder and until when — or, with `--wait`, queues for it (first come, first served).
 *   `update`/`flash --lease ID` work under a lease this token took already (`suitrig reserve`).
 * - A board the service does not know (not registered yet) needs no reservation: no job can
 *   reach it.
 * - A service that cannot be reached, or refuses the token: a warning, and the command goes on
 *   unreserved, as its report to the service is a warning (tracker-options.ts). The rig stays
 *   usable when the service is down; the price is that a job may then reach the board meanwhile.
 */
import { hostname, userInfo } from 'node:os';
import { BoardsHeldError, WaitAbortedError, joinLease, reserveBoards, type Reservation } from '../service/client/reservations.js';
import { TrackerError, type TrackerClient } from '../service/client/tracker.js';
import { EnvironmentError, UsageError, optFlag, optString, type CliIo, type Command, type OptionDef, type ParsedArgs } from './command.js';
import { trackerFromArgs } from './tracker-options.js';

export const HOLD_OPTIONS: Record<string, OptionDef> = {
  wait: { type: 'boolean', description: 'with --tracker: while someone holds the board, queue for it instead of stopping' },
};

/** `update`/`flash`: work under a lease this token holds already (e.g. from `suitrig reserve`). */
const LEASE_OPTION: OptionDef = { type: 'string', value: 'ID', description: 'with --tracker: work under this lease of the board (one this token took, e.g. with suitrig reserve)' };
const LEASE_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A lease's TTL: a killed command frees its boards within this. */
const HOLD_TTL_S = 60;
const TICKET_TTL_S = 30;

export interface BoardHold {
  /** Releases what is held; trouble is a warning. */
  release(): Promise<void>;
}

/** Who holds the board, for the fleet view: `user@host suitrig update`. */
function holderName(command: string): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'someone';
  }
  return `${user}@${hostname()} suitrig ${command}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

/** Checks `--wait` goes with a tracker. */
function waitOption(args: ParsedArgs, tracker: unknown): boolean {
  const wait = optFlag(args, 'wait');
  if (wait && tracker === undefined) throw new UsageError('--wait goes with --tracker: it waits for a board someone holds in the lab service');
  return wait;
}

/** Reserves `boards` (in name order, so two commands never wait on each other) for `command`. */
export async function holdBoards(client: TrackerClient | undefined, boards: readonly string[], command: string, args: ParsedArgs, io: CliIo): Promise<BoardHold> {
  const wait = waitOption(args, client);
  const held: Reservation[] = [];
  const hold: BoardHold = {
    async release() {
      for (const r of held.splice(0)) {
        try {
          await r.release();
          io.stderr.write(`tracker   released ${r.boards.join(', ')}\n`);
        } catch (e) {
          io.stderr.write(`warning: tracker ${(e as Error).message}\n`);
        }
      }
    },
  };
  if (!client) return hold;
  const holder = holderName(command);
  for (const board of [...new Set(boards)].sort()) {
    try {
      const r = await reserveBoards(client, { board }, {
        ttlS: HOLD_TTL_S,
        ticketTtlS: TICKET_TTL_S,
        holder,
        wait,
        ...(io.signal ? { signal: io.signal } : {}),
        onQueued: (t) => io.stderr.write(`waiting   ${t.why} (place ${t.position} in the queue)\n`),
        onBusy: (b) => io.stderr.write(`waiting   ${b.join(', ')} reserved, still busy with a job: the ${command} starts when it ends\n`),
        onLost: (l, why) => io.stderr.write(`warning: tracker: the reservation of ${l.board} was lost (${why}); the service may give it to someone else\n`),
        onWarning: (m) => io.stderr.write(`warning: tracker ${m}\n`),
      });
      held.push(r);
      io.stderr.write(`tracker   reserved ${board} until ${r.leases[0]!.expires_at}, renewed while this ${command} runs\n`);
    } catch (e) {
      if (e instanceof BoardsHeldError || e instanceof WaitAbortedError) {
        await hold.release();
        const what = e instanceof BoardsHeldError ? `${e.message}: ${command} stopped before touching it (--wait queues for it)` : `${command} ${e.message}; left the queue`;
        throw new EnvironmentError(what);
      }
      if (!(e instanceof TrackerError)) {
        await hold.release();
        throw e;
      }
      if (e.status === 404) io.stderr.write(`tracker   board ${board} is not in the service yet: no job can reach it, nothing to reserve\n`);
      else io.stderr.write(`warning: tracker ${e.message}; ${board} is not reserved while this ${command} runs\n`);
    }
  }
  return hold;
}

/**
 * Holds `board` under the lease `id` someone took already: kept alive while the command runs,
 * left to its taker afterwards. A lease that is not live, not on that board or not this token's
 * stops the command; a service that cannot be reached is a warning, as for a new reservation.
 */
async function joinBoard(client: TrackerClient, board: string, id: string, command: string, io: CliIo): Promise<BoardHold> {
  let r: Reservation | undefined;
  try {
    r = await joinLease(client, board, id, { ttlS: HOLD_TTL_S, onWarning: (m) => io.stderr.write(`warning: tracker ${m}\n`) });
    io.stderr.write(`tracker   working under lease ${id} of ${board} (${r.leases[0]!.holder}, until ${r.leases[0]!.expires_at})\n`);
  } catch (e) {
    if (!(e instanceof TrackerError)) throw e;
    if (e.status === 404) throw new EnvironmentError(`--lease ${id}: ${e.detail ?? e.message}: ${command} stopped before touching ${board}`);
    io.stderr.write(`warning: tracker ${e.message}; ${board} is not reserved while this ${command} runs\n`);
  }
  return { release: async () => r?.release() };
}

/** `update`/`flash`: the command, holding its board (`--tracker-board`, or the lab name of `--port`) while it runs. */
export function holdingItsBoard(cmd: Command): Command {
  return {
    ...cmd,
    usage: cmd.usage.replace('[--tracker URL --token T]', '[--tracker URL --token T [--wait | --lease ID]]'),
    options: { ...cmd.options, ...HOLD_OPTIONS, lease: LEASE_OPTION },
    async run(args, io) {
      const tracker = trackerFromArgs(args, io);
      const lease = optString(args, 'lease');
      if (lease !== undefined) {
        if (!tracker) throw new UsageError('--lease goes with --tracker: it names a lease in the lab service');
        if (!LEASE_ID_RE.test(lease)) throw new UsageError(`--lease ${lease}: expected a lease id (what suitrig reserve printed)`);
        if (optFlag(args, 'wait')) throw new UsageError('--lease and --wait exclude each other: under a lease of yours there is nothing to wait for');
      }
      const command = cmd.path.join(' ');
      const hold = lease !== undefined ? await joinBoard(tracker!.client, tracker!.board, lease, command, io) : await holdBoards(tracker?.client, tracker ? [tracker.board] : [], command, args, io);
      try {
        return await cmd.run(args, io);
      } finally {
        await hold.release();
      }
    },
  };
}
