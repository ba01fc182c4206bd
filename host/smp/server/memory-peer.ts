/**
 * A complete minimal SMP board in memory: an SmpServer with the OS group and the image group
 * over a timed MemoryImageStorage. The link layer's tests, the upload bench and the CLI tests
 * talk to it; a reset swaps images like MCUboot would (memory-image-storage.ts).
 */
import type { Clock } from '../../transport/clock.js';
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
}

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
      reset: () => storage.reboot(),
      info: { n: 'memory-peer', i: 'suitrig memory peer', ...o.info },
      bootloader: o.bootloader ?? { name: 'MCUboot', mode: 3 },
    }),
  );
  server.register(image);
  return { server, storage, image };
}
