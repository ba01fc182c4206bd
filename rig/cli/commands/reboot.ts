/**
 * `suitrig reboot --port <url|name> [--bootloader]` (DESIGN.md "Command line"): an SMP reset
 * (OS group command 5; `boot_mode` 1 asks the board to stay in its bootloader, Zephyr >= 4.2
 * with CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE), then waits until the board answers again —
 * reopening the port if it vanished, as a USB board's does. Exit 0 when it answers again;
 * 1 when the board refuses the reset or does not come back; 2 when it cannot be reached.
 */
import { SmpErrorResponse } from '../../../host/smp/errors.js';
import { SmpTimeoutError } from '../../../host/smp/client.js';
import { waitForAnswer } from '../../../host/smp/wait.js';
import { EXIT_NEGATIVE, EXIT_OK, optFlag, type Command } from '../command.js';
import { connectBoard, PORT_OPTIONS, useBoard } from '../port-options.js';

/** How long a board may take to answer after a reset (an MCUboot swap of a big slot). */
export const BOOT_WAIT_MS = 60_000;

export const rebootCommand: Command = {
  path: ['reboot'],
  summary: 'reset a board over SMP (optionally into its bootloader) and wait until it answers again',
  usage: '--port <url|name> [--bootloader]',
  details: [
    'Sends the OS group reset; with --bootloader, boot_mode 1 (stay in the bootloader / serial',
    'recovery), which the board must support. Then waits up to 60 s for any SMP answer, reopening',
    'the port if it disappears during the reset.',
  ].join('\n'),
  options: { ...PORT_OPTIONS, bootloader: { type: 'boolean', description: 'stay in the bootloader (boot_mode 1)' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const bootloader = optFlag(args, 'bootloader');
    const conn = await connectBoard(args, io);
    const signal = io.signal ? { signal: io.signal } : {};
    return useBoard(conn, 'reboot', async () => {
      try {
        await conn.client.os.reset({ ...(bootloader ? { bootMode: 1 } : {}), ...signal });
      } catch (e) {
        if (!(e instanceof SmpErrorResponse)) throw e;
        io.stderr.write(`reset     ${conn.description} refused the reset: ${e.message}\n`);
        return EXIT_NEGATIVE;
      }
      io.stderr.write(`reset     ${conn.description} acknowledged${bootloader ? ' (boot_mode 1: stay in the bootloader)' : ''}\n`);
      try {
        const back = await waitForAnswer(conn.client, { reconnect: () => conn.reconnect(), timeoutMs: BOOT_WAIT_MS, ...signal });
        io.stdout.write(`rebooted  the board answered again after ${(back.ms / 1000).toFixed(1)} s\n`);
        return EXIT_OK;
      } catch (e) {
        if (!(e instanceof SmpTimeoutError)) throw e;
        io.stdout.write(`rebooted  the board did not come back: ${e.message}\n`);
        return EXIT_NEGATIVE;
      }
    });
  },
};
