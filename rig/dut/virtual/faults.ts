/**
 * Faults on the rig's own virtual boards (the FaultProtocol of protocols.ts): armed through rig
 * group 67's test hook, command 8 (DESIGN.md "Wire protocol"), which a board serves when it was
 * started for testing — in this process or as a `suitrig board virtual --test-hooks` process.
 */
import type { FaultProtocol, LinkProtocol } from '../protocols.js';

export function rigGroupFaults(link: LinkProtocol): FaultProtocol {
  return {
    arm: async (f, o = {}) => {
      await link.client.rig.armFault(
        { ...(f.powerCutBeforeOp !== undefined ? { powerCutBeforeOp: f.powerCutBeforeOp } : {}), ...(f.link ? { link: f.link } : {}), seed: f.seed },
        o.signal ? { signal: o.signal } : {},
      );
    },
  };
}
