/**
 * A real board as far as the host can tell, played by the virtual board: behind a paired serial
 * link whose host end opens by url like a device path (`paired:<name>/a`, through openPort),
 * its reset pin wired to the host's DTR line. For lab-board tests of DTR resets. `pairedLinkTo`
 * puts any SMP server behind such a link.
 */
import { registerPortScheme } from '../../../host/transport/open.js';
import { PairedLink } from '../../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../../host/transport/serialport.js';
import type { Transport } from '../../../host/transport/transport.js';
import type { LabBoard } from '../../../rig/lab/types.js';
import { VirtualBoard } from '../../../rig/virtual/board/board.js';
import type { BoardTrust } from '../../../rig/virtual/suit/trust.js';

export interface PairedBoard {
  link: PairedLink;
  board: VirtualBoard;
  /** Closes the board, forgets the `paired:` scheme and unwires the reset line. */
  close(): Promise<void>;
}

export async function openPairedBoard(o: { trust?: BoardTrust } = {}): Promise<PairedBoard> {
  const board = await VirtualBoard.open({ name: 'bench', flashScale: 0, ...o });
  const paired = await pairedLinkTo((t) => void board.serve(t));
  const unwire = board.attachResetLine(paired.link, 'dtr');
  return {
    link: paired.link,
    board,
    close: async () => {
      await board.close();
      paired.close();
      unwire();
    },
  };
}

/** A paired serial link whose far end `serve` takes (a board, an SMP server), its near end opened by url (`paired:<name>/a`); `close` forgets the scheme. */
export async function pairedLinkTo(serve: (t: Transport) => void): Promise<{ link: PairedLink; close(): void }> {
  const link = new PairedLink();
  serve(await SerialPortTransport.open({ path: link.pathB, baudRate: 1_000_000, binding: link.binding }));
  const unregister = registerPortScheme('paired', (url, o) => SerialPortTransport.open({ path: url, baudRate: o.baudRate ?? 115200, binding: link.binding }));
  return { link, close: unregister };
}

/** The bench board's lab file entry with the lab's defaults (SMP reset, no power, trust or keys), `over` changed. */
export function benchLabEntry(over: Partial<LabBoard> = {}): LabBoard {
  return { name: 'bench', tags: [], port: { kind: 'serial', path: '/dev/null' }, reset: { method: 'smp' }, apps: {}, trust: [], require: [], keys: {}, source: { file: '/lab/rig.yaml', line: 2 }, ...over };
}
