/**
 * The link layer's SMP peer (test/smp, test/transport, test/rig): the one device model of
 * rig/virtual — flash, MCUboot-style bootloader, application — behind a plain SmpServer
 * (host/smp/server) serving the OS (0) and image (1) groups only, as a stock Zephyr + MCUboot
 * board (smp_svr) does, with the buffers, framing, rc form and reset timing a test asks for.
 *
 * A reset is answered and carried out `resetDelayMs` later (CONFIG_MCUMGR_GRP_OS_RESET_MS); the
 * board is then deaf for `bootMs` until it boots, prints its console (bootloader log, boot
 * banner) on the link and serves again; the image group's upload session lives in RAM and is gone after a boot. The
 * board runs a signed image of PEER_KEY's whose application does not confirm itself, as smp_svr
 * does not: a test boot reverts at the next reset unless the host confirms it.
 */
import { afterEach } from 'vitest';
import { generateSigningKey, trustAnchorFor, type PrivateKey } from '../../host/keys/index.js';
import { createImage, IMAGE_MAGIC, parseVersion } from '../../host/mcuboot/index.js';
import type { Framing } from '../../host/smp/framing/framing.js';
import { connectInProcess, type InProcessLink, type InProcessOptions } from '../../host/smp/in-process.js';
import type { LinkEvent } from '../../host/smp/link.js';
import { imageGroup } from '../../host/smp/server/image-group.js';
import { osGroup, type OsGroupOptions } from '../../host/smp/server/os-group.js';
import { SmpServer, type SmpServing } from '../../host/smp/server/server.js';
import { systemClock, type Clock } from '../../host/transport/clock.js';
import type { Behaviour } from '../../rig/virtual/app/app-image.js';
import { BoardImageStorage } from '../../rig/virtual/board/image-storage.js';
import { VirtualBoard, type VirtualBoardOptions } from '../../rig/virtual/board/board.js';

/** The key the peer's bootloader trusts. */
export const PEER_KEY = generateSigningKey('es256') as PrivateKey;

/**
 * A signed MCUboot image of PEER_KEY's with security counter 1 (the board's bootloader wants
 * one): `size` bytes of filler, no application header (it behaves as the board's default).
 */
export function peerImage(version: string, o: { size?: number; seed?: number; flags?: number; loadAddr?: number; key?: PrivateKey } = {}): Uint8Array {
  const seed = o.seed ?? version.length;
  const body = Uint8Array.from({ length: o.size ?? 20_000 }, (_, i) => (i * 31 + seed) & 0xff);
  return createImage(body, { key: o.key ?? PEER_KEY, version: parseVersion(version), securityCounter: 1, ...(o.flags !== undefined ? { flags: o.flags } : {}), ...(o.loadAddr !== undefined ? { loadAddr: o.loadAddr } : {}) });
}

/**
 * `n` bytes of seeded filler behind MCUboot's header magic: the upload data of tests that move
 * bytes rather than images. A Zephyr board refuses a first chunk without the magic (img_mgmt
 * checks it: INVALID_IMAGE_HEADER_MAGIC), so raw filler would not get past offset 0.
 */
export function uploadBytes(n: number, seed = 1): Uint8Array {
  const b = Uint8Array.from({ length: n }, (_, i) => (i * 2654435761 + seed) >>> 24);
  new DataView(b.buffer).setUint32(0, IMAGE_MAGIC, true);
  return b;
}

export interface SmpPeerOptions {
  /** Default 2048 (a board tuned for uploads; Zephyr's default is 384). */
  bufSize?: number;
  /** Default 4. */
  bufCount?: number;
  legacyRc?: boolean;
  framing?: () => Framing;
  clock?: Clock;
  onEvent?: (e: LinkEvent) => void;
  /** Bootloader info; default MCUboot, swap using move (mode 3), as the nRF52840-like part's. */
  bootloader?: OsGroupOptions['bootloader'];
  info?: OsGroupOptions['info'];
  /** From the reset's answer to the reset itself; default 250 ms. */
  resetDelayMs?: number;
  /** How long the reboot takes (the board deaf, before its boot prints anything); default 50 ms. */
  bootMs?: number;
  /** What runs from the primary slot at start (a peerImage by default, version 1.0.0); `false`: nothing bootable. */
  running?: Uint8Array | false;
  /** How an application without the app header behaves (default never-confirms, as smp_svr). */
  app?: Behaviour;
  /** The board's part and identity (default: nrf52840-like, the profile's vendor and class). */
  board?: Pick<VirtualBoardOptions, 'profile' | 'identity'>;
  /** Runs just before each reset (a bootloader choice the model does not make itself). */
  beforeReset?: () => void | Promise<void>;
  /** Where the board prints its console lines; default between SMP frames on its link (a board whose console is a UART of its own prints elsewhere). */
  console?: (line: string) => void;
}

export interface SmpPeer {
  server: SmpServer;
  board: VirtualBoard;
  /** The image group's storage over the board (tests wrap its methods to inject faults). */
  storage: BoardImageStorage;
  /** The image group served now (a new one after each boot). */
  readonly image: ReturnType<typeof imageGroup>;
  /** Boots since the peer was opened. */
  readonly boots: number;
  /** The image last uploaded in full (its SHA-256 checked) to the secondary slot, read back from flash; empty when none since the last upload began or the slot was erased. */
  candidate(): Uint8Array;
  close(): Promise<void>;
}

export async function openSmpPeer(o: SmpPeerOptions = {}): Promise<SmpPeer> {
  const clock = o.clock ?? systemClock;
  const board = await VirtualBoard.open({ name: 'smp-peer', ...o.board, trust: { anchors: [trustAnchorFor(PEER_KEY, 'author', 'SMP peer key')], require: [] }, clock, seed: 1 });
  board.firmware.device.appDefault = o.app ?? 'never-confirms';
  const running = o.running ?? peerImage('1.0.0');
  if (running) await board.program(running);
  const server = new SmpServer({ bufSize: o.bufSize, bufCount: o.bufCount, legacyRc: o.legacyRc, framing: o.framing, clock, onEvent: o.onEvent });
  const storage = new BoardImageStorage(board);

  // How many bytes of the secondary slot hold a finished upload (the image group's view of it).
  let uploading = 0;
  let finished = 0;
  const begin = storage.beginUpload.bind(storage);
  const finish = storage.finishUpload.bind(storage);
  const erase = storage.erase.bind(storage);
  storage.beginUpload = async (image, size) => {
    finished = 0;
    uploading = size;
    await begin(image, size);
  };
  storage.finishUpload = async () => {
    await finish();
    finished = uploading;
  };
  storage.erase = async (image, slot) => {
    await erase(image, slot);
    if (slot === 1) finished = 0;
  };

  let image = imageGroup(storage);
  let removeImage = server.register(image);
  let boots = 0;
  board.subscribe((e) => {
    if (e.kind === 'console') void (o.console ? o.console(e.line) : server.print(e.line));
    if (e.kind !== 'booted') return;
    boots++;
    // The upload session lives in RAM: a boot forgets it.
    removeImage();
    image = imageGroup(storage);
    removeImage = server.register(image);
  });

  let closed = false;
  // Deaf from the reset on; the reboot (chip start, bootloader) takes `bootMs`, then the boot
  // runs and the application prints its banner and serves SMP.
  const reboot = async (): Promise<void> => {
    if (closed) return;
    server.listening = false;
    await new Promise<void>((done) => clock.setTimer(done, o.bootMs ?? 50));
    if (closed) return;
    await o.beforeReset?.();
    await board.reset('soft-reset');
    server.listening = true;
  };
  server.register(
    osGroup({
      params: { bufSize: server.bufSize, bufCount: server.bufCount },
      reset: () => void clock.setTimer(() => void reboot(), o.resetDelayMs ?? 250),
      info: { n: 'smp-peer', i: 'suitrig SMP peer (virtual board model)', ...o.info },
      bootloader: o.bootloader ?? { name: 'MCUboot', mode: 3 },
    }),
  );
  return {
    server,
    board,
    storage,
    get image() {
      return image;
    },
    get boots() {
      return boots;
    },
    candidate: () => board.firmware.areas.secondary.read(0, finished),
    close: async () => {
      closed = true;
      await server.close();
      await board.close();
    },
  };
}

/**
 * SMP peers and in-process links for the tests of one file, closed after each test (the links
 * first): `const { peer, link } = closedAfterEach();` at the top of the file.
 */
export function closedAfterEach(): { peer(o?: SmpPeerOptions): Promise<SmpPeer>; link(server: SmpServing, o?: InProcessOptions): Promise<InProcessLink> } {
  const links: InProcessLink[] = [];
  const peers: SmpPeer[] = [];
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  return {
    async peer(o) {
      const p = await openSmpPeer(o);
      peers.push(p);
      return p;
    },
    async link(server, o) {
      const l = await connectInProcess(server, o);
      links.push(l);
      return l;
    },
  };
}
