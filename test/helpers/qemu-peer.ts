/**
 * The real Zephyr `smp_server` builds of ../shared/peers under QEMU, for tests to drive as
 * boards: MCUboot + the application on an emulated Cortex-M3 (peers/README.md §2,
 * qemu-system-arm), its UART on a free local TCP port; and the native_sim build (§1, a 32-bit
 * Linux program run by qemu-i386-static in a temporary directory), its UART a pty. The
 * `...Unavailable()` functions say why one cannot run here, for a visible skip. Also the MCUboot
 * peer's RAM-load application with another version (the build checks only the SHA256 TLV).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reversionImage } from '../../host/mcuboot/reversion.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PEERS = resolve(repoRoot, '../shared/peers');
const BUILD = 'zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf1024';
export const PEER_HEX = join(PEERS, `${BUILD}.hex`);
export const PEER_APP = join(PEERS, `${BUILD}.signed.bin`);
const QEMU = 'qemu-system-arm';
export const NATIVE_SIM = join(PEERS, 'zephyr_4.4.0_smp_server_0eae053d_native_sim_serial.exe');
const QEMU_I386 = 'qemu-i386-static';

/** Why the QEMU peer cannot run here, or undefined when it can. */
export function qemuPeerUnavailable(): string | undefined {
  if (!existsSync(PEER_HEX) || !existsSync(PEER_APP)) return `the MCUboot peer build is not in ${PEERS}`;
  if (spawnSync(QEMU, ['--version']).error) return `${QEMU} is not installed`;
  return undefined;
}

/** Why the native_sim peer cannot run here, or undefined when it can. */
export function nativeSimUnavailable(): string | undefined {
  if (!existsSync(NATIVE_SIM)) return `the native_sim peer build is not in ${PEERS}`;
  if (spawnSync(QEMU_I386, ['--version']).error) return `${QEMU_I386} is not installed`;
  return undefined;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((ok) => p.once('exit', ok));
  p.kill('SIGTERM');
  await gone;
}

/** Starts the native_sim peer in a temporary directory (its flash.bin goes there) and waits, at most 10 s, for the pty it names. */
export async function startNativeSimPeer(): Promise<{ path: string; close(): Promise<void> }> {
  const sim = spawn(QEMU_I386, [NATIVE_SIM], { cwd: mkdtempSync(join(tmpdir(), 'suitrig-native-sim-')), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const path = await new Promise<string | undefined>((ok) => {
    const timer = setTimeout(() => ok(undefined), 10_000);
    const seen = (d: Buffer): void => {
      out += d.toString();
      const m = /uart connected to pseudotty: (\/dev\/pts\/\d+)/.exec(out);
      if (m) (clearTimeout(timer), ok(m[1]));
    };
    sim.stdout!.on('data', seen);
    sim.stderr!.on('data', seen);
    sim.once('exit', () => (clearTimeout(timer), ok(undefined)));
  });
  if (!path) {
    await stop(sim);
    throw new Error(`the native_sim peer named no pty within 10 s: ${out.trim() || `exit ${sim.exitCode}`}`);
  }
  return { path, close: () => stop(sim) };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => (c.destroy(), ok(true)));
    c.on('error', () => ok(false));
  });
}

export interface QemuPeer {
  url: string;
  close(): Promise<void>;
}

/** Starts the peer (MCUboot boots the application) and waits, at most 10 s, until its UART port accepts. */
export async function startQemuPeer(): Promise<QemuPeer> {
  const port = await freePort();
  const args = ['-cpu', 'cortex-m3', '-machine', 'mps2-an385', '-nographic', '-chardev', `socket,id=con,host=127.0.0.1,port=${port},server=on,wait=off`, '-serial', 'chardev:con', '-serial', 'null', '-monitor', 'none', '-device', `loader,file=${PEER_HEX}`, '-device', `loader,file=${PEER_APP},addr=0x20050000`];
  const qemu: ChildProcess = spawn(QEMU, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const close = (): Promise<void> => stop(qemu);
  for (const t0 = Date.now(); !(await accepts(port)); ) {
    if (qemu.exitCode !== null || Date.now() - t0 > 10_000) {
      await close();
      throw new Error(`${QEMU} did not open its UART on port ${port} within 10 s: ${stderr.trim() || `exit ${qemu.exitCode}`}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { url: `tcp://127.0.0.1:${port}`, close };
}

/** The peer's RAM-load application as version `major.minor.revision` (host/mcuboot/reversion.ts). */
export function peerAppWithVersion(major: number, minor: number, revision: number): Uint8Array {
  return reversionImage(new Uint8Array(readFileSync(PEER_APP)), { major, minor, revision, build: 0 });
}
