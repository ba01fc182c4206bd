/**
 * Board resolution (DESIGN.md "Command line": `--port` takes a device path, `tcp://host:port`,
 * or a board name from the lab file; `--lab`, default `./rig.yaml` when present; `--baud`
 * wherever a port is opened). Turns what the user typed into a concrete PortTarget: a device
 * path (looked up again from the board's USB identity, since USB boards re-enumerate), a tcp
 * url, or a virtual board spec, with the baud rate settled (--baud, else the lab's, else 115200).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_BAUD } from '../../host/transport/open.js';
import { closest } from '../../host/util/did-you-mean.js';
import { EnvironmentError, UsageError } from '../../host/util/errors.js';
import { portLister } from '../ports/list.js';
import { locateUsbPort, type LocateOptions } from '../ports/locate.js';
import type { PortLister, UsbIdentity } from '../ports/types.js';
import { BAUD_MAX, BAUD_MIN, findLabFile, loadLab } from './load.js';
import { PortWordError, classifyPort } from './port-url.js';
import type { ConsolePortSpec, EmulatorSpec, Lab, LabBoard, VirtualSpec } from './types.js';

/** Where to reach a board. `url` is what host/transport `openPort` takes (serial and tcp). */
export type PortTarget =
  | {
      kind: 'serial';
      url: string;
      path: string;
      baud: number;
      /** Set when the path was found from a stable USB identity: `relocateTarget` finds it again. */
      usb?: UsbIdentity;
    }
  | { kind: 'tcp'; url: string; host: string; port: number; baud: number }
  | {
      kind: 'virtual';
      virtual: VirtualSpec;
      baud: number;
      /** `in-process` for one board; `process` (its own process over tcp) for `--boards N`. */
      placement: 'in-process' | 'process';
    }
  /** A board in an emulator the rig starts (QEMU, native_sim); `baud` is only what reports show (an emulated UART has no line rate). */
  | { kind: 'emulator'; emulator: EmulatorSpec; baud: number };

export interface ResolvedBoard {
  /** The lab board name, or a name derived from the port (`ttyACM0`, `tcp-host-4001`, `virtual-2`). */
  name: string;
  target: PortTarget;
  /** The lab file's entry, when the board came from it. */
  board?: LabBoard;
  /** Why the board cannot be reached now (its port is absent): a run reports it unavailable and goes on. */
  unavailable?: string;
}

export interface ResolveContext {
  cwd: string;
  /** The loaded lab file, if any (see `labFor`). */
  lab?: Lab;
  /** --baud, already parsed (`parseBaud`); wins over the lab's. */
  baud?: number;
  /** Lists ports for USB identities; default: serialport/sysfs (rig/ports/list.ts). */
  lister?: PortLister;
  /** Options for finding a USB board (e.g. wait for it to enumerate). */
  locate?: LocateOptions;
}

/** `--baud B`: a line rate in the range the lab file accepts. */
export function parseBaud(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--baud: expected a baud rate from ${BAUD_MIN} to ${BAUD_MAX} such as 115200, got '${value}'`);
  const n = Number(value);
  if (n < BAUD_MIN || n > BAUD_MAX) throw new UsageError(`--baud: ${n} is outside ${BAUD_MIN}..${BAUD_MAX}`);
  return n;
}

/** The lab for a command: `--lab` when given (must exist and be valid), else ./rig.yaml when present. */
export function labFor(cwd: string, explicit?: string): Lab | undefined {
  const file = findLabFile(cwd, explicit);
  return file === undefined ? undefined : loadLab(file);
}

/** A fresh virtual board (`--port virtual`, `--board virtual`) at the given line rate. */
export function freshVirtualTarget(baud: number, placement: 'in-process' | 'process'): PortTarget {
  return { kind: 'virtual', virtual: { quirks: [] }, baud, placement };
}

/** The board's port is not there now (no such device path, no port with its USB identity). */
export class PortAbsentError extends EnvironmentError {
  override name = 'PortAbsentError';
}

function checkDevice(path: string, who: string): void {
  if (!existsSync(path)) {
    throw new PortAbsentError(`${who}: no such port ${path}. 'suitrig ports' lists the serial ports present (ptys from socat are not listed).`);
  }
}

export function nameFromPath(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}

/** The target of a lab board (its USB identity looked up now). */
export async function targetOfLabBoard(board: LabBoard, ctx: ResolveContext): Promise<PortTarget> {
  const baud = ctx.baud ?? board.baud ?? DEFAULT_BAUD;
  const who = `board '${board.name}' (${board.source.file}:${board.source.line})`;
  switch (board.port.kind) {
    case 'serial':
      checkDevice(board.port.path, who);
      return { kind: 'serial', url: board.port.path, path: board.port.path, baud };
    case 'usb': {
      const path = await usbDevicePath(board.port.usb, ctx.lister, who, ctx.locate);
      return { kind: 'serial', url: path, path, baud, usb: board.port.usb };
    }
    case 'tcp':
      return { kind: 'tcp', url: board.port.url, host: board.port.host, port: board.port.port, baud };
    case 'virtual':
      return { kind: 'virtual', virtual: board.port.virtual, baud, placement: 'in-process' };
    case 'emulator':
      return { kind: 'emulator', emulator: board.port.emulator, baud };
  }
}

/** Finds a lab board by name, with a helpful error when there is none. */
export function labBoard(lab: Lab | undefined, name: string): LabBoard {
  if (!lab) {
    throw new EnvironmentError(`'${name}' is not a device path, tcp:// url or virtual, and there is no lab file to look it up in (no --lab given, no ./rig.yaml)`);
  }
  const board = lab.boards.find((b) => b.name === name);
  if (!board) {
    const names = lab.boards.map((b) => b.name);
    const hint = closest(name, names);
    throw new EnvironmentError(`no board '${name}' in ${lab.file}${hint ? ` (did you mean '${hint}'?)` : ''}; boards: ${names.join(', ')}`);
  }
  return board;
}

/**
 * Resolves one `--port`/`--board` word: a device path, `tcp://host:port`, `virtual`, or a
 * board name from the lab.
 */
export async function resolveBoardWord(word: string, ctx: ResolveContext): Promise<ResolvedBoard> {
  let kind;
  try {
    kind = classifyPort(word);
  } catch (e) {
    if (e instanceof PortWordError) throw new UsageError(e.message);
    throw e;
  }
  const baud = ctx.baud ?? DEFAULT_BAUD;
  switch (kind.kind) {
    case 'serial': {
      const path = isAbsolute(kind.path) ? kind.path : resolve(ctx.cwd, kind.path);
      checkDevice(path, `port ${word}`);
      return { name: nameFromPath(path), target: { kind: 'serial', url: path, path, baud } };
    }
    case 'tcp':
      return { name: `tcp-${kind.host.replace(/[^A-Za-z0-9.-]/g, '_')}-${kind.port}`, target: { kind: 'tcp', url: kind.url, host: kind.host, port: kind.port, baud } };
    case 'virtual':
      return { name: 'virtual', target: freshVirtualTarget(baud, 'in-process') };
    case 'name': {
      const board = labBoard(ctx.lab, kind.name);
      return { name: board.name, target: await targetOfLabBoard(board, ctx), board };
    }
  }
}

export interface PortOptionValues {
  /** --port value. */
  port: string;
  /** --lab value, if given. */
  lab?: string;
  /** --baud value, if given (unparsed). */
  baud?: string;
  cwd: string;
  lister?: PortLister;
  locate?: LocateOptions;
}

/**
 * The hook for every single-board command (`--port <url|name> [--lab F] [--baud B]`): loads the
 * lab only when the word is a board name (or `--lab` was given), then resolves. Throws
 * UsageError for malformed values, EnvironmentError (LabError, PortLookupError) for a bad lab
 * file, an unknown board or an absent port.
 */
export async function resolvePortOption(opts: PortOptionValues): Promise<ResolvedBoard> {
  const baud = parseBaud(opts.baud);
  let needsLab = opts.lab !== undefined;
  try {
    needsLab ||= classifyPort(opts.port).kind === 'name';
  } catch (e) {
    if (e instanceof PortWordError) throw new UsageError(`--port: ${e.message}`);
    throw e;
  }
  const lab = needsLab ? labFor(opts.cwd, opts.lab) : undefined;
  return resolveBoardWord(opts.port, {
    cwd: opts.cwd,
    ...(lab ? { lab } : {}),
    ...(baud !== undefined ? { baud } : {}),
    ...(opts.lister ? { lister: opts.lister } : {}),
    ...(opts.locate ? { locate: opts.locate } : {}),
  });
}

/**
 * After a board re-enumerated (reset, power cycle), finds its port again from its USB identity,
 * waiting up to `opts.waitMs` for it to reappear. Targets without a USB identity come back as
 * they are.
 */
export async function relocateTarget(target: PortTarget, lister?: PortLister, opts: LocateOptions = {}, who = 'board'): Promise<PortTarget> {
  if (target.kind !== 'serial' || !target.usb) return target;
  const path = await usbDevicePath(target.usb, lister, who, opts);
  return { ...target, url: path, path };
}

/**
 * Where a board's console port (lab `console:`) is now, as openPort takes it: its device path or
 * tcp url, or the device its adapter's USB identity names — looked up as the board's own port
 * is, every time it is opened (an adapter re-enumerates too).
 */
export async function consolePortUrl(spec: ConsolePortSpec, who: string, lister?: PortLister, opts: LocateOptions = {}): Promise<string> {
  return spec.kind === 'usb' ? usbDevicePath(spec.usb, lister, `${who}: its console port`, opts) : spec.kind === 'serial' ? spec.path : spec.url;
}

/** The device path of the one serial port with USB identity `usb` now (rig/ports/locate.ts). */
async function usbDevicePath(usb: UsbIdentity, lister: PortLister = portLister(), who: string, opts?: LocateOptions): Promise<string> {
  return (await locateUsbPort(usb, lister, who, opts)).path;
}
