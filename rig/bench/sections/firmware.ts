/**
 * Uploads to real firmware (issue 10 "Must show"): the MCUboot + Zephyr build for QEMU
 * mps2-an385 (../shared/peers), its application image (129 KiB, re-versioned) sent through the
 * image group to the application (SMP buffers 1024 x 4) and to MCUboot's serial recovery
 * (1024 x 1, no pipelining), with the reset-to-answer time of each reset as the rig proves it
 * (QEMU's RESET event, host/smp/reboot.ts). Beside it, in the same run, the same bytes to the
 * virtual board in its own application and recovery modes, over TCP as well and with its
 * profile's real flash timings.
 *
 * Which is which: `fw_qemu_*` figures are the real firmware; `fw_virtual_*` the virtual board.
 * QEMU's UART over TCP is not paced at a baud rate and QEMU's flash is RAM, so the QEMU
 * figures measure the firmware's SMP path (CPU emulation included), not a line or a flash part.
 * Without the peers or QEMU the section says what is missing and reports no figures.
 */
import { readFileSync } from 'node:fs';
import { parseVersion, reversionImage } from '../../../host/mcuboot/index.js';
import { SmpClient } from '../../../host/smp/client.js';
import { rebootAndWait } from '../../../host/smp/reboot.js';
import type { ResetWitness } from '../../../host/smp/reset-witness.js';
import { TcpTransport } from '../../../host/transport/tcp.js';
import { startEmulatedBoard } from '../../emulator/start.js';
import { PEERS, QEMU_APP_ADDR, peersMissing } from '../../emulator/peers.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import type { BenchContext, BenchSection } from '../section.js';

interface Figures {
  appKbPerS: number;
  recoveryKbPerS: number;
  /** Reset to the first believed answer: into recovery, and back to the application. */
  intoRecoveryMs: number;
  backToAppMs: number;
}

/** The application upload, the reset into recovery, the recovery upload, the reset back. */
async function measure(client: SmpClient, image: Uint8Array, witness: ResetWitness | undefined): Promise<Figures> {
  const w = witness ? { witness } : {};
  const app = await client.image.upload(image);
  const into = await rebootAndWait(client, { how: 'smp', bootMode: 1 }, w);
  const recovery = await into.client.image.upload(image);
  const back = await rebootAndWait(into.client, { how: 'smp' }, w);
  return { appKbPerS: app.bytes / app.elapsedMs, recoveryKbPerS: recovery.bytes / recovery.elapsedMs, intoRecoveryMs: into.ms, backToAppMs: back.ms };
}

async function onQemu(image: Uint8Array): Promise<Figures> {
  const board = await startEmulatedBoard(
    'bench-an385',
    { kind: 'qemu', program: 'qemu-system-arm', machine: 'mps2-an385', cpu: 'cortex-m3', images: [{ file: PEERS.qemuHex }, { file: PEERS.qemuApp, addr: QEMU_APP_ADDR }], args: ['-serial', 'null'] },
    () => undefined,
  );
  try {
    const client = SmpClient.over(await board.connect());
    try {
      return await measure(client, image, board.witness);
    } finally {
      await client.close();
    }
  } finally {
    await board.close();
  }
}

async function onVirtual(image: Uint8Array): Promise<Figures> {
  const board = await VirtualBoard.open({ flashScale: 1, seed: 1 });
  const listener = await board.listenTcp();
  try {
    const client = SmpClient.over(await TcpTransport.connect('127.0.0.1', listener.port));
    try {
      // Over TCP the witness is the board's own banner; the in-process witness would not be the same kind of proof as QEMU's.
      return await measure(client, image, undefined);
    } finally {
      await client.close();
    }
  } finally {
    await listener.close();
    await board.close();
  }
}

export const firmwareSection: BenchSection = {
  name: 'firmware',
  async run(ctx: BenchContext): Promise<Record<string, number>> {
    const missing = peersMissing();
    if (missing) {
      ctx.log(`skipped: the real firmware cannot run here (missing ${missing}); no firmware figures`);
      return {};
    }
    const image = reversionImage(new Uint8Array(readFileSync(PEERS.qemuApp)), parseVersion('0.0.9+0'));
    ctx.log(`the QEMU peer's application image re-versioned to 0.0.9 (${(image.length / 1024).toFixed(1)} KiB), through the image group, over TCP`);
    const q = await onQemu(image);
    const v = await onVirtual(image);
    const figures: Record<string, number> = {
      fw_qemu_app_upload_kb_per_s: round(q.appKbPerS),
      fw_qemu_recovery_upload_kb_per_s: round(q.recoveryKbPerS),
      fw_qemu_reset_into_recovery_ms: Math.round(q.intoRecoveryMs),
      fw_qemu_reset_back_to_app_ms: Math.round(q.backToAppMs),
      fw_virtual_app_upload_kb_per_s: round(v.appKbPerS),
      fw_virtual_recovery_upload_kb_per_s: round(v.recoveryKbPerS),
      fw_virtual_reset_into_recovery_ms: Math.round(v.intoRecoveryMs),
      fw_virtual_reset_back_to_app_ms: Math.round(v.backToAppMs),
      fw_qemu_app_vs_recovery_upload_ratio: round(q.appKbPerS / q.recoveryKbPerS),
      fw_virtual_vs_qemu_app_upload_ratio: round(v.appKbPerS / q.appKbPerS),
    };
    const row = (who: string, f: Figures): string =>
      `  ${who.padEnd(34)} application ${f.appKbPerS.toFixed(1).padStart(6)} KB/s, serial recovery ${f.recoveryKbPerS.toFixed(1).padStart(6)} KB/s; reset into recovery ${Math.round(f.intoRecoveryMs)} ms, back ${Math.round(f.backToAppMs)} ms`;
    ctx.log(row('real firmware (QEMU mps2-an385)', q));
    ctx.log(row('virtual board (nRF52840-like, real flash timings)', v));
    ctx.log(`  on the real firmware the application upload (pipelined, 4 buffers) is ${figures['fw_qemu_app_vs_recovery_upload_ratio']}x MCUboot recovery's (one buffer)`);
    return figures;
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
