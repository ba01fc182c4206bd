/**
 * How every single-board command reaches its board (DESIGN.md "Command line"): the shared
 * `--port`, `--lab`, `--baud`, `--timeout`, `--trace` options and the link's `--framing`,
 * `--smp-version`, `--line-length` (link-options.ts), and the opener behind them, which opens a
 * lab board as the rig's board drivers do (rig/dut/board-link.ts).
 * `--port` takes a device path, `tcp://host:port`, `virtual` (a fresh in-process virtual
 * board: the rig's own, serving the rig group's test hooks to this command alone) or a board
 * name from the lab file (rig/lab/resolve.ts); `--timeout` is the base
 * deadline of each request (the line time at the baud rate is added); `--trace` prints every
 * SMP packet as hex and decoded CBOR, dropped frames and console text on stderr.
 */
import { ReportFormatError } from '../../host/operator/suit-report.js';
import { SmpTimeoutError } from '../../host/smp/client.js';
import { SmpErrorResponse } from '../../host/smp/errors.js';
import { SmpProtocolError } from '../../host/smp/fields.js';
import type { LinkEvent } from '../../host/smp/link.js';
import { formatPacket } from '../../host/smp/trace.js';
import { UploadError } from '../../host/smp/upload/engine.js';
import { PortOpenError, TransportClosedError, TransportTimeoutError } from '../../host/transport/transport.js';
import { linkClientOptions } from '../../host/smp/link-settings.js';
import { resolvePortOption } from '../lab/resolve.js';
import { openBoardLink, virtualLink, type BoardLink, type ClientExtras } from '../dut/board-link.js';
import { QUIRKS, type Quirk } from '../virtual/bootloader/index.js';
import { VirtualBoard } from '../virtual/board/board.js';
import { LINK_OPTIONS, linkOptionValues, linkSettingsFor } from './link-options.js';
import { EnvironmentError, UsageError, optFlag, optString, requireString, type CliIo, type OptionDef, type ParsedArgs } from './command.js';

export const PORT_OPTIONS: Record<string, OptionDef> = {
  port: { type: 'string', value: '<url|name>', description: 'device path, tcp://host:port, virtual, or a board name from the lab file' },
  lab: { type: 'string', value: '<rig.yaml>', description: 'lab file for board names (default ./rig.yaml when present)' },
  baud: { type: 'string', value: '<baud>', description: "line rate (default: the lab's, else 115200)" },
  timeout: { type: 'string', value: '<seconds>', description: 'base deadline of each request (default 2.5; the line time at the baud rate is added)' },
  trace: { type: 'boolean', description: "print every SMP packet (hex and decoded CBOR) on stderr, and an emulated board's emulator output" },
  ...LINK_OPTIONS,
};

/** `--timeout` in ms, or undefined for the default. */
export function timeoutOption(args: ParsedArgs): number | undefined {
  const v = optString(args, 'timeout');
  if (v === undefined) return undefined;
  if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(v) || Number(v) <= 0 || Number(v) > 3600) throw new UsageError(`--timeout: expected seconds between 0 and 3600, e.g. 2.5, got '${v}'`);
  return Number(v) * 1000;
}

/** `--trace` output: packets, dropped frames and the board's console text, on stderr. */
export function traceTo(io: CliIo): (e: LinkEvent) => void {
  return (e) => {
    if (e.kind === 'tx' || e.kind === 'rx') io.stderr.write(formatPacket(e.kind, e.packet) + '\n');
    else if (e.kind === 'drop') io.stderr.write(`smp !! dropped: ${e.reason}\n`);
    else if (e.kind === 'console') io.stderr.write(`console | ${e.text}\n`);
  };
}

/** Opens `--port` (with `--lab`, `--baud`, `--timeout`, `--trace`). */
export async function connectBoard(args: ParsedArgs, io: CliIo): Promise<BoardLink> {
  const timeoutMs = timeoutOption(args);
  const linkGiven = linkOptionValues(args);
  const resolved = await resolvePortOption({
    port: requireString(args, 'port'),
    cwd: io.cwd,
    ...(optString(args, 'lab') !== undefined ? { lab: optString(args, 'lab')! } : {}),
    ...(optString(args, 'baud') !== undefined ? { baud: optString(args, 'baud')! } : {}),
  });
  const smp = linkSettingsFor(linkGiven, resolved.board);
  const clientExtras: ClientExtras = { ...(timeoutMs ? { timeoutMs } : {}), ...(optFlag(args, 'trace') ? { onEvent: traceTo(io) } : {}) };
  const target = resolved.target;
  if (target.kind === 'virtual') {
    if (smp.framing === 'raw') throw new UsageError('--framing raw: a virtual board speaks console framing');
    const spec = target.virtual;
    const quirks = spec.quirks.map((q): Quirk => {
      if (!(QUIRKS as readonly string[]).includes(q)) throw new UsageError(`virtual board quirk '${q}': expected one of ${QUIRKS.join(', ')}`);
      return q as Quirk;
    });
    // Nobody else reaches a board in this process, so its test hooks are this command's alone.
    const board = await VirtualBoard.open({ name: resolved.name, ...(spec.profile ? { profile: spec.profile } : {}), ...(spec.state ? { stateDir: spec.state } : {}), quirks, testHooks: true });
    return virtualLink(board, { baud: target.baud, description: `in-process virtual board (${board.profile.name}) at ${target.baud} baud`, client: { ...linkClientOptions(smp), ...clientExtras }, lab: resolved.board, closeBoard: true });
  }
  // The rig runs an emulated board itself: its emulator's lifecycle (started, resets seen) is
  // shown on stderr, and with --trace what the emulator prints too.
  const trace = optFlag(args, 'trace');
  try {
    return await openBoardLink(resolved, {
      link: linkGiven,
      client: clientExtras,
      onEmulatorOutput: (m, kind) => {
        if (kind === 'event') io.stderr.write(`emulator  ${m}\n`);
        else if (trace) io.stderr.write(`emulator| ${m}\n`);
      },
    });
  } catch (e) {
    if (e instanceof PortOpenError) throw new EnvironmentError(e.message);
    throw e;
  }
}

/**
 * Runs `work` on the board of `conn`, then closes the link whatever happens; errors of the link
 * and the board become environment errors saying `<what> of <board>`.
 */
export async function useBoard<T>(conn: BoardLink, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw linkError(e, `${what} of ${conn.description}`);
  } finally {
    await conn.close();
  }
}

/** Errors of the link and the board as exit-2 environment errors, saying where. */
export function linkError(e: unknown, where: string): unknown {
  const linkOrBoard = [PortOpenError, SmpTimeoutError, TransportClosedError, TransportTimeoutError, UploadError, SmpErrorResponse, SmpProtocolError, ReportFormatError];
  if (e instanceof Error && linkOrBoard.some((k) => e instanceof k)) {
    return new EnvironmentError(`${where}: ${e.message}`);
  }
  return e;
}
