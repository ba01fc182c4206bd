/**
 * A lab board's reset other than the SMP reset command (rig.yaml `reset:`, rig/lab/README.md;
 * DESIGN.md "Rig": reset method SMP reset, DTR/RTS pulse, external command): a modem line
 * asserted for `pulse-ms` and released (the board's reset pin, as on boards whose USB-serial
 * bridge drives nRESET), or an external command (a relay, a debug probe), then `wait-ms`
 * before the board is asked anything. The board needs no working SMP server to obey it. Used
 * by the lab boards' reset protocol (port-board.ts) and by `suitrig reboot`.
 */
import { sleep, systemClock } from '../../host/transport/clock.js';
import { UnsupportedSignalsError, type ModemSignals, type Transport } from '../../host/transport/transport.js';
import type { ResetMethod } from '../lab/types.js';
import { LabControlError, formatCommand, runExternalCommand } from './external-command.js';

export type HardResetMethod = Exclude<ResetMethod, { method: 'smp' }>;

export function isHardReset(r: ResetMethod): r is HardResetMethod {
  return r.method !== 'smp';
}

function lineSignals(method: 'dtr' | 'rts', asserted: boolean): ModemSignals {
  return method === 'dtr' ? { dtr: asserted } : { rts: asserted };
}

/** Resets the board as `r` says; `transport` is the board's serial line (for a DTR/RTS pulse). */
export async function hardReset(r: HardResetMethod, transport: () => Transport, signal?: AbortSignal): Promise<void> {
  if (r.method === 'command') {
    await runExternalCommand(r.command, { timeoutMs: r.timeoutMs, what: 'reset command', ...(signal ? { signal } : {}) });
  } else {
    const t = transport();
    try {
      await t.setSignals(lineSignals(r.method, !r.invert));
      await sleep(systemClock, r.pulseMs, signal);
      await t.setSignals(lineSignals(r.method, r.invert));
    } catch (e) {
      // A pty, a tcp link or an adapter without the line: the lab file asks for what this port cannot do.
      if (e instanceof UnsupportedSignalsError) {
        throw new LabControlError(`reset method ${r.method}: ${e.message}; this port cannot pulse a reset line (use reset: smp or a reset command in the lab file)`);
      }
      throw e;
    }
  }
  await sleep(systemClock, r.waitMs, signal);
}

/** The reset as the run plan and `suitrig reboot` state it. */
export function describeReset(r: ResetMethod): string {
  switch (r.method) {
    case 'smp':
      return 'SMP reset command (OS group)';
    case 'dtr':
    case 'rts':
      return `pulse ${r.method.toUpperCase()}${r.invert ? ' (inverted)' : ''} for ${r.pulseMs} ms, then wait ${r.waitMs} ms`;
    case 'command':
      return `run \`${formatCommand(r.command)}\` (timeout ${r.timeoutMs} ms), then wait ${r.waitMs} ms`;
  }
}
