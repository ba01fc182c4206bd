/**
 * What the operator reads from a board over SMP (DESIGN.md "Wire protocol"): its buffers and
 * bootloader, the SUIT manifest state of the installed manifest (group 66), the image slots
 * (group 1), and — on boards with the rig group (67) — the last boot record and trust state.
 * A group or command the board lacks (rc 8) is left out, never an error: real boards have
 * only some of them.
 */
import type { RequestOptions, SmpClient } from '../smp/client.js';
import { isNotSupported, type BootloaderMode, type McumgrParams } from '../smp/groups/os.js';
import type { ImageSlotState } from '../smp/image-state.js';
import type { BootRecord, TrustState } from '../smp/groups/rig.js';
import type { SuitManifestState } from '../smp/groups/suit.js';

/** nRF's SUIT_MANIFEST_APP_ROOT: the application root manifest's role. */
export const APP_ROOT_ROLE = 0x20;

export interface BoardState {
  params?: McumgrParams;
  bootloader?: { name: string; mode?: BootloaderMode };
  /** Installed SUIT manifest (application root role); undefined on boards without group 66. */
  suit?: SuitManifestState;
  hasSuitGroup: boolean;
  images?: ImageSlotState[];
  boot?: BootRecord;
  trust?: TrustState;
  hasRigGroup: boolean;
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

export async function readBoardState(client: SmpClient, o: RequestOptions & { parts?: readonly ('params' | 'bootloader' | 'suit' | 'images' | 'rig')[] } = {}): Promise<BoardState> {
  const parts = new Set(o.parts ?? ['params', 'bootloader', 'suit', 'images', 'rig']);
  const opts: RequestOptions = { ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
  const s: BoardState = { hasSuitGroup: false, hasRigGroup: false };
  if (parts.has('params')) {
    const p = await optional(() => client.os.params(opts));
    if (p) s.params = p;
  }
  if (parts.has('bootloader')) {
    const name = await optional(() => client.os.bootloaderName(opts));
    if (name) {
      const mode = await optional(() => client.os.bootloaderMode(opts));
      s.bootloader = { name, ...(mode ? { mode } : {}) };
    }
  }
  if (parts.has('suit')) {
    const list = await optional(() => client.suit.manifests(opts));
    if (list) {
      s.hasSuitGroup = true;
      const role = list.find((m) => m.role === APP_ROOT_ROLE)?.role ?? list[0]?.role;
      if (role !== undefined) s.suit = await client.suit.manifestState(role, opts);
    }
  }
  if (parts.has('images')) {
    const st = await optional(() => client.image.state(opts));
    if (st) s.images = st.images;
  }
  if (parts.has('rig')) {
    const last = await optional(() => client.rig.lastReport(opts));
    if (last) {
      s.hasRigGroup = true;
      s.boot = last.boot;
      s.trust = await client.rig.trustState(opts);
    }
  }
  return s;
}
