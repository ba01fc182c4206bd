/**
 * The real firmware builds in the project's shared folder (`../shared/peers`, never copied into
 * the repository) and the emulators that run them. Where any is absent (a user's clone, a
 * machine without QEMU), the real-firmware tests say so once per run, with a console warning
 * naming what is missing (global-setup.ts), and are skipped with that reason in their name; every
 * other test still runs.
 */
import { describe } from 'vitest';
import { PEERS, QEMU_APP_ADDR, peersMissing } from '../../rig/emulator/peers.js';

export { PEERS, PEERS_DIR, peersMissing } from '../../rig/emulator/peers.js';

/**
 * `describe` for tests against the real firmware: skipped, with the reason in its name, when
 * something is missing (global-setup.ts has said so once for the whole run).
 */
export function describeWithPeers(title: string, body: () => void): void {
  const missing = peersMissing();
  describe.skipIf(missing !== undefined)(missing ? `${title} (skipped: missing ${missing})` : title, body);
}

/** The lab entry of the peers' QEMU board, `name`, its other lines (`more`, indented) first. */
export function qemuPeerBoard(name: string, ...more: string[]): string[] {
  return [
    `  ${name}:`,
    ...more,
    '    port: qemu',
    '    qemu:',
    '      machine: mps2-an385',
    '      cpu: cortex-m3',
    '      images:',
    `        - ${PEERS.qemuHex}`,
    `        - { file: ${PEERS.qemuApp}, addr: 0x${QEMU_APP_ADDR.toString(16)} }`,
    // The peers' build prints its console on the second UART (the SMP UART is the first).
    '      console-uart: 1',
    '      args: [-serial, "null"]',
  ];
}

/** A lab file with the peers' QEMU board (`an385`) and native_sim board (`sim`), as a user would write it. */
export function peersLab(o: { simState?: string } = {}): string {
  return [
    'version: 1',
    'boards:',
    ...qemuPeerBoard('an385', '    tags: [emulated, mcuboot]'),
    '  sim:',
    '    tags: [emulated]',
    '    port: native-sim',
    '    native-sim:',
    `      program: ${PEERS.nativeSim}`,
    '      runner: qemu-i386-static',
    ...(o.simState ? [`      state: ${o.simState}`] : []),
    '',
  ].join('\n');
}
