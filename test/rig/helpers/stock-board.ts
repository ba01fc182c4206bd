/**
 * A board without the SUIT and rig groups, as a stock Zephyr + MCUboot board is: the virtual
 * board's flash, bootloader and application model (rig/virtual) behind an SMP server that
 * serves only the OS (0) and image (1) groups — groups 66 and 67 answer rc 8 — over the paired
 * link. Its bootloader validates MCUboot images with the board's public trust anchors as its
 * built-in keys, as MCUboot does with the keys compiled into it.
 */
import { connectInProcess } from '../../../host/smp/in-process.js';
import type { SmpServer } from '../../../host/smp/server/server.js';
import { LinkConsole, SmpClientLink } from '../../../rig/dut/link.js';
import type { DutBoard } from '../../../rig/dut/protocols.js';
import type { DutProvider } from '../../../rig/dut/provider.js';
import { SmpDut } from '../../../rig/dut/smp-dut.js';
import type { BoardProvision } from '../../../rig/dut/types.js';
import { buildGoldenState } from '../../../rig/dut/virtual/known-good.js';
import type { VirtualBoard } from '../../../rig/virtual/board/board.js';
import { openSmpPeer } from '../../helpers/smp-peer.js';
import { join } from 'node:path';

export async function openStockBoard(name: string, o: { workDir: string; provision?: BoardProvision & { knownGood?: unknown }; baud: number }): Promise<{ protocols: DutBoard; board: VirtualBoard; server: SmpServer }> {
  const golden = await buildGoldenState(join(o.workDir, `stock-known-good-${name}`), 'nrf52840-like', o.provision as never);
  // The OS and image groups of the SMP peer over the board model (nRF Connect SDK's legacy rc), restored to the known-good state.
  const peer = await openSmpPeer({ legacyRc: true, running: false, bootMs: 0, board: { profile: golden.profile, identity: golden.identity } });
  const { board, server } = peer;
  await board.restore(golden.snapshot);
  const paired = await connectInProcess(server, { baudRate: o.baud });
  let first = true;
  const link = await SmpClientLink.open({
    describe: () => `stock MCUboot board model ${name} (OS and image groups only)`,
    open: async () => (first ? ((first = false), paired.client) : paired.reconnect()),
    processTimeoutMs: 5_000,
  });
  const provision = o.provision && { trust: o.provision.trust, require: o.provision.require, ...(o.provision.identity ? { identity: o.provision.identity } : {}) };
  const protocols: DutBoard = {
    link,
    reset: { bootTimeoutMs: 5_000, witness: board.witness },
    console: new LinkConsole(link),
    power: { cut: async () => board.powerOff(), restore: async () => void (await board.powerOn()) },
    snapshot: {
      restore: async () => {
        await board.restore(golden.snapshot);
        return 'restored the stock board model from its known-good snapshot';
      },
    },
    provision,
    close: async () => {
      await paired.close();
      await peer.close();
    },
  };
  return { protocols, board, server };
}

/** A provider of stock boards: every board it opens lacks the SUIT and rig groups. */
export function stockProvider(baud: number): DutProvider {
  return {
    cannotDrive: () => undefined,
    async open(b, ctx) {
      const { protocols } = await openStockBoard(b.name, { workDir: ctx.workDir, baud, ...(ctx.provision ? { provision: ctx.provision } : {}) });
      const dut = await SmpDut.open(b.name, protocols, { signal: ctx.signal });
      dut.subscribe(ctx.log);
      return dut;
    },
  };
}
