/**
 * The real firmware builds in the project's shared folder (`../shared/peers`, never copied into
 * the repository) and the emulators that run them. Where any is absent (a user's clone, a
 * machine without QEMU), the real-firmware tests say so once per run, with a console warning
 * naming what is missing (peers-setup.ts), and are skipped with that reason in their name; every
 * other test still runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { findOnPath } from '../../host/util/which.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `../shared/peers` next to the repository, or where SUITRIG_PEERS says. */
export const PEERS_DIR = process.env.SUITRIG_PEERS ? resolve(process.env.SUITRIG_PEERS) : resolve(REPO, '../shared/peers');
const BUILD = 'zephyr_4.4.0_smp_server_0eae053d';

export const PEERS = {
  qemuHex: join(PEERS_DIR, `${BUILD}_mps2_an385_serial_recovery_buf1024.hex`),
  qemuApp: join(PEERS_DIR, `${BUILD}_mps2_an385_serial_recovery_buf1024.signed.bin`),
  nativeSim: join(PEERS_DIR, `${BUILD}_native_sim_serial.exe`),
};

/** What the real-firmware tests lack here, or undefined when everything is present. */
export function peersMissing(): string | undefined {
  const missing = [
    ...Object.values(PEERS).filter((p) => !existsSync(p)).map((p) => `firmware ${p}`),
    ...['qemu-system-arm', 'qemu-i386-static'].filter((p) => !findOnPath(p)).map((p) => `${p} (Debian: apt-get install ${p === 'qemu-i386-static' ? 'qemu-user-static' : p})`),
    // The 32-bit native_sim build needs the i386 C library (its loader is /lib/ld-linux.so.2).
    ...(existsSync('/lib/ld-linux.so.2') ? [] : ['the i386 C library (Debian: dpkg --add-architecture i386 && apt-get install libc6:i386 libgcc-s1:i386)']),
  ];
  return missing.length ? missing.join(', ') : undefined;
}

/**
 * `describe` for tests against the real firmware: skipped, with the reason in its name, when
 * something is missing (peers-setup.ts has said so once for the whole run).
 */
export function describeWithPeers(title: string, body: () => void): void {
  const missing = peersMissing();
  describe.skipIf(missing !== undefined)(missing ? `${title} (skipped: missing ${missing})` : title, body);
}

/** A lab file with the peers' QEMU board (`an385`) and native_sim board (`sim`), as a user would write it. */
export function peersLab(o: { simState?: string } = {}): string {
  return [
    'version: 1',
    'boards:',
    '  an385:',
    '    tags: [emulated, mcuboot]',
    '    port: qemu',
    '    qemu:',
    '      machine: mps2-an385',
    '      cpu: cortex-m3',
    '      images:',
    `        - ${PEERS.qemuHex}`,
    `        - { file: ${PEERS.qemuApp}, addr: 0x20050000 }`,
    '      args: [-serial, "null"]',
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
