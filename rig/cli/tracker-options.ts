/**
 * `--tracker URL --token T [--tracker-board NAME]` on status, update and flash (DESIGN.md "Lab
 * service": the commands keep working without a service; with --tracker they report to it).
 * After the command has its verdict, the board is registered under this host's agent (if its
 * agent is this token's) and the report is posted: what the board runs, what was done to it.
 * A service that cannot be reached or refuses is a warning on stderr; the command's own verdict
 * and exit status do not change. The token may come from SUITRIG_TOKEN instead of the command line
 * (where other users of the machine can see it).
 */
import { hostname } from 'node:os';
import { BOARD_NAME_RE } from '../lab/port-url.js';
import { TrackerClient, TrackerError, trackerOrigin } from '../service/client/tracker.js';
import type { BoardReport } from '../service/store/boards.js';
import { UsageError, optString, type CliIo, type OptionDef, type ParsedArgs } from './command.js';
import type { BoardLink } from '../dut/board-link.js';

export const TRACKER_OPTIONS: Record<string, OptionDef> = {
  tracker: { type: 'string', value: 'http://HOST:PORT', description: 'report the result to this lab service (suitrig serve)' },
  token: { type: 'string', value: 'T', description: 'an agent token for --tracker (default: $SUITRIG_TOKEN)' },
  'tracker-board': { type: 'string', value: 'NAME', description: "the board's name in the service (default: the lab name given to --port)" },
};

export interface BoardTracker {
  readonly client: TrackerClient;
  /** The board's name in the service (--tracker-board, else the lab name --port gave). */
  readonly board: string;
  /** Registers the board and posts the report; a failure is a warning, never an error. */
  report(conn: BoardLink, report: BoardReport): Promise<void>;
}

/** The agent name of this host: its host name, made a valid name. */
export function agentName(): string {
  const h = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return BOARD_NAME_RE.test(h) ? h : 'cli';
}

function boardKind(conn: BoardLink, port: string | undefined): string {
  if (conn.lab) return conn.lab.port.kind;
  if (port?.startsWith('tcp://')) return 'tcp';
  return port === 'virtual' ? 'virtual' : 'serial';
}

/** The client of `--tracker URL` with `--token T` (or SUITRIG_TOKEN); usage errors when either is unusable. */
export function trackerClient(url: string, args: ParsedArgs, io: CliIo): TrackerClient {
  const origin = trackerOrigin(url);
  if (!origin) throw new UsageError(`--tracker ${url}: expected the lab service's address, http(s)://HOST:PORT, without a path or credentials`);
  const token = optString(args, 'token') ?? io.env.SUITRIG_TOKEN;
  if (!token) throw new UsageError('--tracker needs a token: --token T or SUITRIG_TOKEN (suitrig token create makes one)');
  return new TrackerClient(origin, token);
}

/** The tracker of `--tracker`, or undefined; usage errors before any board is opened. */
export function trackerFromArgs(args: ParsedArgs, io: CliIo): BoardTracker | undefined {
  const url = optString(args, 'tracker');
  const named = optString(args, 'tracker-board');
  if (url === undefined) {
    if (optString(args, 'token') !== undefined || named !== undefined) throw new UsageError('--token and --tracker-board go with --tracker');
    return undefined;
  }
  const client = trackerClient(url, args, io);
  if (named !== undefined && !BOARD_NAME_RE.test(named)) throw new UsageError(`--tracker-board: '${named}' is not a board name (letters, digits, . _ -)`);
  const port = optString(args, 'port');
  if (named === undefined && (port === undefined || !BOARD_NAME_RE.test(port) || port === 'virtual')) {
    throw new UsageError('--tracker needs the board\'s name in the service: give --port a lab board name, or --tracker-board NAME');
  }
  const agent = agentName();
  return {
    client,
    // --port named a lab board here (checked above), so the lab entry's name is the same.
    board: named ?? port!,
    async report(conn, report) {
      const name = named ?? conn.lab?.name ?? port!;
      try {
        await client.call('PUT', `/agents/${agent}/boards/${name}`, { host: agent, kind: boardKind(conn, port), ...(conn.lab?.tags.length ? { tags: conn.lab.tags } : {}) });
        await client.call('POST', `/boards/${name}/reports`, report);
        io.stderr.write(`tracker   reported ${report.kind} of ${name} to ${client.base}\n`);
      } catch (e) {
        if (!(e instanceof TrackerError)) throw e;
        io.stderr.write(`warning: tracker ${e.message}; the result above stands, not recorded there\n`);
      }
    },
  };
}
