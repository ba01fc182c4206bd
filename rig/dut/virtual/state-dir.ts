/**
 * Virtual board state directories (rig/virtual/flash/persist.ts: flash snapshot and log, boot
 * record, last report, identity) as the rig keeps them: the board of a Dut runs from its own
 * directory, and its known-good state is a copy of that directory taken once the board was
 * provisioned and running its known-good image. Restoring it is copying the copy back.
 */
import { cpSync, rmSync } from 'node:fs';

/** Replaces `to` by a copy of `from`. */
export function copyState(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}
