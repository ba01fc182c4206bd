/**
 * `suitrig reboot --port <url|name> [--bootloader] [--smp]` (DESIGN.md "Command line"): resets
 * the board the way its lab entry says (rig.yaml `reset:`: a DTR/RTS pulse or an external
 * command, rig/dut/hard-reset.ts) or, by default and for `--bootloader`, with the SMP reset
 * (OS group command 5; `boot_mode` 1 asks the board to stay in its bootloader, Zephyr >= 4.2
 * with CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE), then waits until the board answers again —
 * reopening the port if it vanished, as a USB board's does. Exit 0 when it answers again;
 * 1 when the board refuses the reset or does not come back; 2 when it cannot be reached or
 * the lab's reset command fails.
 */
import { SmpErrorResponse } from '../../../host/smp/errors.js';
import { SmpTimeoutError } from '../../../host/smp/client.js';
import { ResetNotObservedError, rebootAndWait, resetEvidence, type ResetAction } from '../../../host/smp/reboot.js';
import { LabControlError } from '../../dut/external-command.js';
import { describeReset, hardReset, isHardReset, type HardResetMethod } from '../../dut/hard-reset.js';
import type { LabBoard } from '../../lab/types.js';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, optFlag, type CliIo, type Command } from '../command.js';
import type { BoardLink } from '../../dut/board-link.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';

/** How long a board may take to answer after a reset (an MCUboot swap of a big slot). */
export const BOOT_WAIT_MS = 60_000;

/** How the board is reset: the lab's hard reset, or the SMP command (with boot_mode 1 for the bootloader). */
export type RebootPlan = { how: 'hard'; method: HardResetMethod } | { how: 'smp'; bootloader: boolean; note?: string };

/**
 * The lab's hard reset when it gives one for a board on a real port, else SMP. `--bootloader`
 * needs SMP (only the board's SMP server can be asked to stay in its bootloader); `--smp`
 * asks for SMP whatever the lab says. A virtual board is reset as its model is (over SMP).
 */
export function planReboot(lab: LabBoard | undefined, o: { bootloader: boolean; smp: boolean }): RebootPlan {
  const smp = { how: 'smp', bootloader: o.bootloader } as const;
  if (!lab || !isHardReset(lab.reset) || o.smp) return smp;
  const method = lab.reset.method;
  if (lab.port.kind === 'virtual') return { ...smp, note: `the lab's ${method} reset is for boards on a real port; this virtual board resets over SMP` };
  if (o.bootloader) return { ...smp, note: `the lab's ${method} reset cannot ask for the bootloader: using the SMP reset with boot_mode 1 instead` };
  return { how: 'hard', method: lab.reset };
}

/** Resets the board of `conn` as `plan` says and waits for it to answer again; the exit status. */
export async function rebootBoard(conn: BoardLink, plan: RebootPlan, io: CliIo): Promise<number> {
  const signal = io.signal ? { signal: io.signal } : {};
  let action: ResetAction;
  if (plan.how === 'hard') {
    const method = plan.method;
    io.stderr.write(`reset     ${conn.description}: ${describeReset(method)} (lab reset method)\n`);
    action = { how: 'hard', what: `the rig's own ${method.method} reset`, run: (s) => hardReset(method, () => conn.client.transport, s) };
  } else {
    if (plan.note) io.stderr.write(`reset     ${plan.note}\n`);
    io.stderr.write(`reset     ${conn.description}: SMP reset${plan.bootloader ? ' with boot_mode 1 (stay in the bootloader)' : ''}\n`);
    action = { how: 'smp', ...(plan.bootloader ? { bootMode: 1 } : {}) };
  }
  try {
    const back = await rebootAndWait(conn.client, action, { reconnect: () => conn.reconnect(), timeoutMs: BOOT_WAIT_MS, ...resetEvidence(conn), ...signal });
    io.stdout.write(`rebooted  the board went through the reset (${back.proof}) and answered again after ${(back.ms / 1000).toFixed(1)} s\n`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof LabControlError) throw new EnvironmentError(e.message);
    if (e instanceof SmpErrorResponse) {
      io.stderr.write(`reset     ${conn.description} refused the reset: ${e.message}\n`);
      return EXIT_NEGATIVE;
    }
    if (e instanceof ResetNotObservedError) {
      io.stdout.write(`rebooted  no: ${e.message}\n`);
      return EXIT_NEGATIVE;
    }
    if (!(e instanceof SmpTimeoutError)) throw e;
    io.stdout.write(`rebooted  the board did not come back: ${e.message}\n`);
    return EXIT_NEGATIVE;
  }
}

export const rebootCommand: Command = {
  path: ['reboot'],
  summary: 'reset a board (its lab reset method, else over SMP) and wait until it answers again',
  usage: '--port <url|name> [--bootloader] [--smp]',
  details: [
    'A lab board whose rig.yaml entry gives `reset: dtr`, `rts` or `command` is reset that way:',
    'the modem line pulsed for pulse-ms (or the command run within timeout-ms), then wait-ms',
    'before asking the board anything. Other boards get the SMP OS group reset. --bootloader',
    'sends the SMP reset with boot_mode 1 (stay in the bootloader / serial recovery), which the',
    "board must support; it uses SMP even when the lab's reset method is another, and says so.",
    '--smp uses the SMP reset whatever the lab says. Then waits up to 60 s for the board to answer',
    'again, reopening the port if it disappears during the reset; an answer counts only once the',
    'board has shown that it went through the reset (its process restarted or QEMU reported it,',
    'the link dropped, its boot banner, or it went quiet): real firmware answers the reset first',
    'and resets some 250 ms later. A board that keeps answering without resetting: exit 1.',
  ].join('\n'),
  options: {
    ...PORT_OPTIONS,
    bootloader: { type: 'boolean', description: 'stay in the bootloader (SMP reset with boot_mode 1)' },
    smp: { type: 'boolean', description: 'reset over SMP even when the lab gives another reset method' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const o = { bootloader: optFlag(args, 'bootloader'), smp: optFlag(args, 'smp') };
    const conn = await connectBoard(args, io);
    return useBoard(conn, 'reboot', () => rebootBoard(conn, planReboot(conn.lab, o), io));
  },
};
