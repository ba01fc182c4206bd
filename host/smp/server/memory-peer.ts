/**
 * A complete minimal SMP board in memory: an SmpServer with the OS group and the image group
 * over a timed MemoryImageStorage. The link layer's tests, the upload bench and the CLI tests
 * talk to it; a reset swaps images like MCUboot would (memory-image-storage.ts), and is timed
 * like Zephyr's: answered first, carried out `resetDelayMs` later (CONFIG_MCUMGR_GRP_OS_RESET_MS),
 * deaf for `bootMs` while it reboots, then the boot banner on the console.
 */
import { systemClock, type Clock } from '../../transport/clock.js';
import type { Framing } from '../framing/framing.js';
import type { LinkEvent } from '../link.js';
import { imageGroup } from './image-group.js';
import { MemoryImageStorage, type FlashTiming } from './memory-image-storage.js';
import { osGroup, type OsGroupOptions } from './os-group.js';
import { SmpServer } from './server.js';

export interface MemoryPeerOptions {
  /** Default 2048 (a board tuned for uploads; Zephyr's default is 384). */
  bufSize?: number;
  /** Default 4. */
  bufCount?: number;
  legacyRc?: boolean;
  /** Bytes per slot; default 512 KiB. */
  slotSize?: number;
  timing?: FlashTiming;
  erase?: 'progressive' | 'upfront';
  running?: Uint8Array;
  clock?: Clock;
  framing?: () => Framing;
  bootloader?: OsGroupOptions['bootloader'];
  info?: OsGroupOptions['info'];
  onEvent?: (e: LinkEvent) => void;
  /** From the reset's answer to the reset itself; default 250 ms (Zephyr's CONFIG_MCUMGR_GRP_OS_RESET_MS). */
  resetDelayMs?: number;
  /** How long the board is deaf while it reboots; default 50 ms. */
  bootMs?: number;
}

/** What the memory peer prints when it boots (Zephyr's banner). */
const MEMORY_PEER_BANNER = '*** Booting Zephyr OS build memory-peer ***';

export interface MemoryPeer {
  server: SmpServer;
  storage: MemoryImageStorage;
  image: ReturnType<typeof imageGroup>;
}

export function createMemoryPeer(o: MemoryPeerOptions = {}): MemoryPeer {
  const server = new SmpServer({ bufSize: o.bufSize, bufCount: o.bufCount, legacyRc: o.legacyRc, framing: o.framing, clock: o.clock, onEvent: o.onEvent });
  const storage = new MemoryImageStorage({ slotSize: o.slotSize ?? 512 * 1024, timing: o.timing, erase: o.erase, running: o.running, clock: o.clock });
  const image = imageGroup(storage);
  server.register(
    osGroup({
      params: { bufSize: server.bufSize, bufCount: server.bufCount },
      reset: () => {
        const clock = o.clock ?? systemClock;
        clock.setTimer(() => {
          server.listening = false;
          storage.reboot();
          clock.setTimer(() => {
            server.listening = true;
            void server.print(MEMORY_PEER_BANNER);
          }, o.bootMs ?? 50);
        }, o.resetDelayMs ?? 250);
      },
      info: { n: 'memory-peer', i: 'suitrig memory peer', ...o.info },
      bootloader: o.bootloader ?? { name: 'MCUboot', mode: 3 },
    }),
  );
  server.register(image);
  return { server, storage, image };
}
