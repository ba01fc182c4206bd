/**
 * What the example tests know about the firmware of each kind of board: how to build an image
 * of a version, and the line the board prints when that version boots. This is the part to
 * replace with your own build: your images, your banner.
 *
 * - The virtual board runs the rig's application images (`suitrig board app`): each prints
 *   `app <version> (healthy) started from image ...` on its console at boot.
 * - The QEMU board runs the real MCUboot + Zephyr smp_server build of ../shared/peers. Its
 *   MCUboot loads the image to RAM and boots the valid image with the highest version, and logs
 *   `I: Image version: v<version>` on the board's console port. A new version is the same
 *   application re-versioned (its MCUboot header's version, its hash TLV recomputed), as a
 *   release build of the same code would be.
 */
import { readFileSync } from 'node:fs';
import { parseVersion, reversionImage } from 'suitrig/host/mcuboot';
import { virtualAppImage, type TestBoard } from 'suitrig/test';

export interface Firmware {
  /** The version the board runs in its known-good state. */
  base: string;
  /** The version an update brings. */
  next: string;
  /** An image of `version`, as the board installs it. */
  image(version: string): Uint8Array;
  /** What the board prints when `version` boots. */
  banner(version: string): RegExp;
}

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function firmwareOf(dut: TestBoard): Firmware {
  if (dut.kind === 'virtual') {
    return { base: '1.0.0', next: '1.1.0', image: (v) => virtualAppImage(v), banner: (v) => new RegExp(`app ${literal(v)} \\(healthy\\) started`) };
  }
  if (dut.kind === 'qemu') {
    const app = dut.lab?.apps.healthy;
    if (!app) throw new Error(`board ${dut.name}: the lab file gives no apps: {healthy: <its application image>} to re-version`);
    const bytes = new Uint8Array(readFileSync(app));
    return { base: '0.0.0', next: '0.0.1', image: (v) => reversionImage(bytes, parseVersion(v)), banner: (v) => new RegExp(`Image version: v${literal(v)}\\b`) };
  }
  throw new Error(`board ${dut.name}: this example knows no firmware for a ${dut.kind} board; describe yours in firmware.ts`);
}
