/**
 * What the operator reads from a board over SMP (DESIGN.md "Wire protocol"): its OS/application
 * info, buffers and bootloader, the SUIT manifest state of the installed manifest (group 66),
 * the image slots (group 1), and — on boards with the rig group (67) — the last boot record and
 * trust state. Real boards have only some of these: whatever a board does not report (a group
 * or command its build lacks, an answer too large for its buffers, a group error) is left out
 * with the reason in `unreported`, never an error (board-questions.ts).
 */
import type { RequestOptions, SmpClient } from '../smp/client.js';
import { MgmtErr, SmpRcError } from '../smp/errors.js';
import { isNotSupported, type BootloaderMode, type McumgrParams } from '../smp/groups/os.js';
import type { ImageSlotState } from '../smp/image-state.js';
import type { BootRecord, TrustState } from '../smp/groups/rig.js';
import type { SuitManifestState } from '../smp/groups/suit.js';
import { BoardQuestions, type Asked } from './board-questions.js';

/** nRF's SUIT_MANIFEST_APP_ROOT: the application root manifest's role. */
export const APP_ROOT_ROLE = 0x20;

/** OS info letters asked first: all of them. */
const FULL_OS_FORMAT = 'a';
/**
 * Asked when the full answer does not fit the board's buffers (rc 7): kernel name, release
 * (the build's commit), version and hardware platform — what identifies the build, in about
 * 40 bytes that fit any buffer an SMP server has; the build date, node name, machine and
 * processor are what is left out.
 */
export const SHORT_OS_FORMAT = 'srvi';

export type BoardPart = 'os' | 'params' | 'bootloader' | 'suit' | 'images' | 'rig';
/** What may be missing from a BoardState: a part, or the bootloader's mode alone. */
export type UnreportedItem = BoardPart | 'mode' | 'manifest' | 'trust';

export interface BoardState {
  /** OS/application info and the format letters it answered to. */
  os?: { text: string; format: string };
  params?: McumgrParams;
  bootloader?: { name: string; mode?: BootloaderMode };
  /** Installed SUIT manifest (application root role); undefined on boards without group 66. */
  suit?: SuitManifestState;
  hasSuitGroup: boolean;
  images?: ImageSlotState[];
  boot?: BootRecord;
  trust?: TrustState;
  hasRigGroup: boolean;
  /** Why each item asked for is missing: `not supported by this build (rc 8)`, ... */
  unreported: Partial<Record<UnreportedItem, string>>;
}

/** `fn()`, or undefined when the board answers "not supported". */
export async function optional<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isNotSupported(e)) return undefined;
    throw e;
  }
}

const ALL_PARTS: readonly BoardPart[] = ['params', 'bootloader', 'suit', 'images', 'rig'];

export interface ReadBoardStateOptions extends RequestOptions {
  /** Default: all but `os`. */
  parts?: readonly BoardPart[];
  /** A question without an answer is recorded as not reported (see BoardQuestions) instead of failing. */
  keepGoing?: boolean;
}

const isTooLarge = (e: unknown): boolean => e instanceof SmpRcError && e.rc === MgmtErr.EMSGSIZE;

export async function readBoardState(client: SmpClient, o: ReadBoardStateOptions = {}): Promise<BoardState> {
  const parts = new Set(o.parts ?? ALL_PARTS);
  const q = new BoardQuestions(client, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.keepGoing ? { keepGoing: true } : {}),
  });
  const s: BoardState = { hasSuitGroup: false, hasRigGroup: false, unreported: {} };
  const take = <T>(item: UnreportedItem, a: Asked<T>): T | undefined => {
    if (a.ok) return a.value;
    s.unreported[item] = a.reason;
    return undefined;
  };
  if (parts.has('os')) {
    let format = FULL_OS_FORMAT;
    let a = await q.ask((r) => client.os.info(format, r));
    if (!a.ok && isTooLarge(a.error)) {
      format = SHORT_OS_FORMAT;
      const short = await q.ask((r) => client.os.info(format, r));
      if (short.ok) a = short;
    }
    const text = take('os', a);
    if (text !== undefined) s.os = { text, format };
  }
  if (parts.has('params')) s.params = take('params', await q.ask((r) => client.os.params(r)));
  if (parts.has('bootloader')) {
    const name = take('bootloader', await q.ask((r) => client.os.bootloaderName(r)));
    if (name !== undefined) {
      const mode = take('mode', await q.ask((r) => client.os.bootloaderMode(r)));
      s.bootloader = { name, ...(mode ? { mode } : {}) };
    }
  }
  if (parts.has('suit')) {
    const list = take('suit', await q.ask((r) => client.suit.manifests(r)));
    if (list) {
      s.hasSuitGroup = true;
      const role = list.find((m) => m.role === APP_ROOT_ROLE)?.role ?? list[0]?.role;
      if (role !== undefined) s.suit = take('manifest', await q.ask((r) => client.suit.manifestState(role, r)));
    }
  }
  if (parts.has('images')) s.images = take('images', await q.ask((r) => client.image.state(r)))?.images;
  if (parts.has('rig')) {
    const last = take('rig', await q.ask((r) => client.rig.lastReport(r)));
    if (last) {
      s.hasRigGroup = true;
      s.boot = last.boot;
      s.trust = take('trust', await q.ask((r) => client.rig.trustState(r)));
    }
  }
  return s;
}
