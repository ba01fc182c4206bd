/**
 * The real firmware builds the project checks itself against (`../shared/peers` beside the
 * repository, or where SUITRIG_PEERS says; never copied into the repository): MCUboot + Zephyr
 * for QEMU mps2-an385 and Zephyr on native_sim, and what it takes to run them here. The tests
 * and `npm run bench` use them where present and say what is missing where not.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../host/paths.js';
import { findOnPath } from '../../host/util/which.js';

/** `../shared/peers` next to the repository, or where SUITRIG_PEERS says. */
export const PEERS_DIR = process.env.SUITRIG_PEERS ? resolve(process.env.SUITRIG_PEERS) : resolve(packageRoot(), '../shared/peers');
const BUILD = 'zephyr_4.4.0_smp_server_0eae053d';

export const PEERS = {
  qemuHex: join(PEERS_DIR, `${BUILD}_mps2_an385_serial_recovery_buf1024.hex`),
  qemuApp: join(PEERS_DIR, `${BUILD}_mps2_an385_serial_recovery_buf1024.signed.bin`),
  nativeSim: join(PEERS_DIR, `${BUILD}_native_sim_serial.exe`),
};

/** Where QEMU's loader puts the application image of the mps2-an385 build (its primary slot). */
export const QEMU_APP_ADDR = 0x20050000;

/** What the real-firmware runs lack here, or undefined when everything is present. */
export function peersMissing(): string | undefined {
  const missing = [
    ...Object.values(PEERS).filter((p) => !existsSync(p)).map((p) => `firmware ${p}`),
    ...['qemu-system-arm', 'qemu-i386-static'].filter((p) => !findOnPath(p)).map((p) => `${p} (Debian: apt-get install ${p === 'qemu-i386-static' ? 'qemu-user-static' : p})`),
    // The 32-bit native_sim build needs the i386 C library (its loader is /lib/ld-linux.so.2).
    ...(existsSync('/lib/ld-linux.so.2') ? [] : ['the i386 C library (Debian: dpkg --add-architecture i386 && apt-get install libc6:i386 libgcc-s1:i386)']),
  ];
  return missing.length ? missing.join(', ') : undefined;
}
