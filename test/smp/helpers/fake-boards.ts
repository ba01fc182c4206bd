/**
 * MCUboot boards of other bootloader modes over TCP, for tests of what the rig marks and what
 * boots: the SMP peer (test/helpers/smp-peer.ts: the virtual board model behind the OS and image
 * groups) with a bootloader that boots the highest version or needs marks, an image manager
 * that can or cannot mark (rc 8 to image state write), bootloader info that does or does not
 * report the mode, or an image list that marks no slot active, as MCUboot serial recovery's.
 */
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { parseBoardVersion } from '../../../host/smp/image-state.js';
import { listenTcp, type TcpListener } from '../../../host/transport/tcp.js';
import { openSmpPeer } from '../../helpers/smp-peer.js';

export interface FakeBoard {
  url: string;
  /** Image state writes the board was asked for. */
  marks: number;
}

/**
 * A board over TCP running `running` (signed with PEER_KEY), its listener added to `listeners`
 * (for the test to close). `bootsHighest`: at a reset the newer image of the two slots is booted
 * (as a direct-XIP / RAM-load MCUboot does; modelled as a permanent swap the bootloader
 * requests itself). `canMark` false: image state write answers rc 8. `mode`: bootloader info's
 * mode; undefined: bootloader info names MCUboot but answers its mode query with a group error.
 * `recovery`: the image list marks no slot active, as MCUboot serial recovery's.
 */
export async function fakeBoard(running: Uint8Array, listeners: TcpListener[], o: { mode?: number; canMark: boolean; bootsHighest: boolean; recovery?: boolean }): Promise<FakeBoard> {
  const board: FakeBoard = { url: '', marks: 0 };
  const peer = await openSmpPeer({
    running,
    bufSize: 1024,
    bootloader: { name: 'MCUboot', ...(o.mode !== undefined ? { mode: o.mode } : {}) },
    beforeReset: async () => {
      if (!o.bootsHighest) return;
      const slots = await state();
      const v = (slot: number) => parseBoardVersion(slots.find((s) => s.slot === slot)?.version ?? '') ?? { major: -1, minor: 0, revision: 0, build: 0 };
      const [a, b] = [v(0), v(1)];
      if ((b.major - a.major || b.minor - a.minor || b.revision - a.revision) > 0) await setPending(0, 1, true);
    },
  });
  const { storage } = peer;
  const setPending = storage.setPending.bind(storage);
  const state = storage.state.bind(storage);
  storage.setPending = async (...a) => {
    board.marks++;
    if (!o.canMark) throw new SmpRcError(MgmtErr.ENOTSUP);
    return setPending(...a);
  };
  if (o.recovery) storage.state = async () => (await state()).map((s) => ({ ...s, active: false, confirmed: false, bootable: false }));
  const l = await listenTcp({}, (t) => void peer.server.serve(t));
  listeners.push({
    url: l.url,
    port: l.port,
    close: async () => {
      await l.close();
      await peer.close();
    },
  });
  board.url = l.url;
  return board;
}
