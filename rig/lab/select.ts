/**
 * Board selection for `suitrig run` (DESIGN.md "Command line": `--board <url|name|virtual>...
 * [--boards N] [--lab rig.yaml] [--tag T]`): named boards, ports and urls, plus every lab board
 * carrying all the given tags; `--board virtual --boards N` is N virtual boards, each in its own
 * process over tcp (`--boards 1`: one such board); plain `--board virtual` stays in-process. Two selections that reach the same port are refused:
 * two workers on one board would corrupt each other's runs.
 */
import { UsageError } from '../../host/util/errors.js';
import { DEFAULT_BAUD } from '../../host/transport/open.js';
import { isAbsolute, resolve } from 'node:path';
import { PortLookupError, describeUsbIdentity } from '../ports/locate.js';
import type { UsbIdentity } from '../ports/types.js';
import { PortAbsentError, freshVirtualTarget, nameFromPath, resolveBoardWord, targetOfLabBoard, type PortTarget, type ResolveContext, type ResolvedBoard } from './resolve.js';
import type { LabBoard } from './types.js';

export interface Selection {
  /** --board values, in order. */
  boards: string[];
  /** --tag values: a lab board is selected when it has every one. */
  tags: string[];
  /** --boards N: how many virtual boards `--board virtual` starts. */
  count?: number;
}

/** Upper bound for `--boards N` (each is a process with its own flash model). */
export const MAX_VIRTUAL_BOARDS = 64;

function targetKey(t: PortTarget, name: string): string {
  switch (t.kind) {
    case 'serial':
      return `serial:${t.path}`;
    case 'tcp':
      return `tcp:${t.host.toLowerCase()}:${t.port}`;
    case 'virtual':
      return `virtual:${t.virtual.state ?? name}`;
    case 'emulator':
      // Two boards on one native_sim state directory would share (and corrupt) one flash file.
      return t.emulator.kind === 'native-sim' && t.emulator.state !== undefined ? `native-sim:${t.emulator.state}` : `emulator:${name}`;
  }
}

/**
 * A board whose port is absent now (device path gone, USB board not plugged in) is kept, marked
 * unavailable with the reason, so the run reports it and the other boards go on; a word that is
 * wrong (malformed, unknown board name) still stops the run.
 */
async function orAbsent(resolveIt: () => Promise<ResolvedBoard>, absent: () => ResolvedBoard): Promise<ResolvedBoard> {
  try {
    return await resolveIt();
  } catch (e) {
    if (e instanceof PortAbsentError || (e instanceof PortLookupError && e.matches.length === 0)) return { ...absent(), unavailable: e.message };
    throw e;
  }
}

function absentTarget(path: string, baud: number, usb?: UsbIdentity): PortTarget {
  return { kind: 'serial', url: path, path, baud, ...(usb ? { usb } : {}) };
}

function labAbsentTarget(b: LabBoard, ctx: ResolveContext): PortTarget {
  const baud = ctx.baud ?? b.baud ?? DEFAULT_BAUD;
  if (b.port.kind === 'usb') return absentTarget(`usb ${describeUsbIdentity(b.port.usb)}`, baud, b.port.usb);
  return absentTarget(b.port.kind === 'serial' ? b.port.path : b.name, baud);
}

export async function selectBoards(sel: Selection, ctx: ResolveContext): Promise<ResolvedBoard[]> {
  if (sel.boards.length === 0 && sel.tags.length === 0) {
    throw new UsageError('no boards selected: give --board <name|path|tcp://host:port|virtual> or --tag T (boards of the lab file)');
  }
  const count = sel.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_VIRTUAL_BOARDS) throw new UsageError(`--boards: expected 1..${MAX_VIRTUAL_BOARDS}, got ${sel.count}`);
  if (sel.count !== undefined && !sel.boards.includes('virtual')) {
    throw new UsageError('--boards N starts N virtual boards: use it with --board virtual');
  }
  const out: ResolvedBoard[] = [];
  for (const word of sel.boards) {
    // --boards N (even 1) places each virtual board in its own process; plain `virtual` is in-process.
    if (word === 'virtual' && sel.count !== undefined) {
      for (let i = 1; i <= count; i++) out.push({ name: `virtual-${i}`, target: freshVirtualTarget(ctx.baud ?? DEFAULT_BAUD, 'process') });
      continue;
    }
    out.push(
      await orAbsent(
        () => resolveBoardWord(word, ctx),
        () => {
          const lab = ctx.lab?.boards.find((b) => b.name === word);
          if (lab) return { name: lab.name, target: labAbsentTarget(lab, ctx), board: lab };
          const path = isAbsolute(word) ? word : resolve(ctx.cwd, word);
          return { name: nameFromPath(path), target: absentTarget(path, ctx.baud ?? DEFAULT_BAUD) };
        },
      ),
    );
  }
  if (sel.tags.length > 0) {
    if (!ctx.lab) throw new UsageError('--tag selects boards of the lab file, and there is none (no --lab given, no ./rig.yaml)');
    const tagged = ctx.lab.boards.filter((b) => sel.tags.every((t) => b.tags.includes(t)));
    if (tagged.length === 0) {
      const known = [...new Set(ctx.lab.boards.flatMap((b) => b.tags))].sort();
      throw new UsageError(`no board in ${ctx.lab.file} has tag${sel.tags.length > 1 ? 's' : ''} ${sel.tags.join(' + ')}; tags in use: ${known.join(', ') || 'none'}`);
    }
    for (const board of tagged) {
      if (out.some((b) => b.name === board.name)) continue;
      out.push(await orAbsent(async () => ({ name: board.name, target: await targetOfLabBoard(board, ctx), board }), () => ({ name: board.name, target: labAbsentTarget(board, ctx), board })));
    }
  }
  const seen = new Map<string, string>();
  for (const b of out) {
    const key = targetKey(b.target, b.name);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(other === b.name ? `board ${b.name} is selected twice` : `boards ${other} and ${b.name} are the same port (${key.replace(/^[a-z]+:/, '')}): select one`);
    }
    seen.set(key, b.name);
  }
  return out;
}
