/**
 * Fake MCUboot boards over TCP for tests of what the rig marks and what boots (memory peers:
 * they reset as Zephyr does): a board whose bootloader boots the highest valid version or
 * needs marks, whose image manager can or cannot mark (rc 8 to image state write), that does or
 * does not report its bootloader mode, or sits in serial recovery (no slot active).
 */
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { parseBoardVersion } from '../../../host/smp/image-state.js';
import { createMemoryPeer } from '../../../host/smp/server/memory-peer.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';

export interface FakeBoard {
  url: string;
  /** Image state writes the board was asked for. */
  marks: number;
}

/**
 * A board over TCP running `running`, its listener added to `listeners` (for the test to
 * close). `bootsHighest`: at a reset the newer image of the two slots is booted (as a
 * direct-XIP / RAM-load MCUboot does). `canMark` false: image state write answers rc 8. `mode`: bootloader info's mode; undefined: bootloader
 * info names MCUboot but answers its mode query with a group error. `recovery`: the image list
 * marks no slot active, as MCUboot serial recovery's.
 */
export async function fakeBoard(running: Uint8Array, listeners: TcpListener[], o: { mode?: number; canMark: boolean; bootsHighest: boolean; recovery?: boolean }): Promise<FakeBoard> {
  const { server, storage } = createMemoryPeer({ running, slotSize: 64 * 1024, bufSize: 1024, bootloader: { name: 'MCUboot', ...(o.mode !== undefined ? { mode: o.mode } : {}) } });
  const board: FakeBoard = { url: '', marks: 0 };
  const setPending = storage.setPending.bind(storage);
  const reboot = storage.reboot.bind(storage);
  const state = storage.state.bind(storage);
  storage.setPending = async (...a) => {
    board.marks++;
    if (!o.canMark) throw new SmpRcError(MgmtErr.ENOTSUP);
    return setPending(...a);
  };
  storage.reboot = async () => {
    const slots = await state();
    const v = (slot: number) => parseBoardVersion(slots.find((s) => s.slot === slot)?.version ?? '') ?? { major: -1, minor: 0, revision: 0, build: 0 };
    const [a, b] = [v(0), v(1)];
    // The newer image boots: modelled as a permanent swap into the primary slot.
    if (o.bootsHighest && (b.major - a.major || b.minor - a.minor || b.revision - a.revision) > 0) await setPending(0, 1, true);
    return reboot();
  };
  if (o.recovery) storage.state = async () => (await state()).map((s) => ({ ...s, active: false, confirmed: false, bootable: false }));
  const l = await listenTcp({}, (t) => void server.serve(t));
  listeners.push(l);
  board.url = l.url;
  return board;
}
