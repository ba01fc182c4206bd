/**
 * The lab as the rig sees it once `rig.yaml` has been validated (DESIGN.md "Rig"): boards with
 * their port or stable USB identity, line settings, reset and power control, the image that
 * restores them, and the trust anchors, signer roles and device identity their SUIT processor
 * is provisioned with (RFC 9019 §3: trust anchors; §4.2: vendor/class/device identifiers).
 * Like labgrid's resources, these are plain descriptions of what exists; drivers use them.
 */
import type { DecryptionKey, TrustAnchor } from '../../host/keys/index.js';
import type { SmpLinkSettings } from '../../host/smp/link-settings.js';
import type { UsbIdentity } from '../ports/types.js';

export type { UsbIdentity } from '../ports/types.js';

/**
 * A lab's reset or power command: a shell string, or an argv run without a shell. It runs in
 * `cwd`, the lab file's folder, so relative paths in it mean what they mean everywhere in rig.yaml.
 */
export type ExternalCommand = ({ shell: string } | { argv: string[] }) & { cwd?: string };

export interface VirtualSpec {
  /** Flash/slot profile of the virtual board (rig/virtual), e.g. `nrf52840`; undefined = its default. */
  profile?: string;
  /** Deliberately broken variants: `accept-rollback`, `never-revert`, `skip-signature`. */
  quirks: string[];
  /** Where its flash persists (absolute); undefined = a fresh state per run. */
  state?: string;
}

/** An image QEMU's generic loader puts in the machine's memory: hex/ELF at their own addresses, raw binaries at `addr`. */
export interface QemuImage {
  /** Absolute path. */
  file: string;
  addr?: number;
}

/** A QEMU machine the rig starts (rig/emulator/qemu.ts), its UART on a local tcp port. */
export interface QemuSpec {
  kind: 'qemu';
  /** The emulator: `qemu-system-arm` (found on PATH) unless the lab names another. */
  program: string;
  machine: string;
  cpu?: string;
  images: QemuImage[];
  /** More QEMU arguments, after the rig's own. */
  args: string[];
  /**
   * The guest UART (QEMU's -serial index, 1-3) the firmware prints its console on, when it is
   * not the SMP UART (0): the rig binds it to a local port of its own and reads it.
   */
  consoleUart?: number;
}

/** A Zephyr native_sim executable the rig starts and restarts (rig/emulator/native-sim.ts). */
export interface NativeSimSpec {
  kind: 'native-sim';
  /** The executable (absolute). */
  program: string;
  /** What runs it (`[qemu-i386-static]` for a 32-bit build on a kernel that refuses them); empty: run it directly. */
  runner: string[];
  /** More arguments for the executable. */
  args: string[];
  /** Its working directory, where it keeps flash.bin (absolute); undefined: a fresh temporary one each time the rig opens it. */
  state?: string;
}

/** A board whose firmware runs in an emulator the rig starts, stops and power-cycles itself. */
export type EmulatorSpec = QemuSpec | NativeSimSpec;

export type PortSpec =
  | { kind: 'serial'; path: string }
  | { kind: 'usb'; usb: UsbIdentity }
  | { kind: 'tcp'; url: string; host: string; port: number }
  | { kind: 'virtual'; virtual: VirtualSpec }
  | { kind: 'emulator'; emulator: EmulatorSpec };

/** A console port of the board's own, apart from its SMP port (lab `console:`): a device path, a tcp url, or the USB identity of its adapter. */
export type ConsolePortSpec = ({ kind: 'serial'; path: string } | { kind: 'tcp'; url: string; host: string; port: number } | { kind: 'usb'; usb: UsbIdentity }) & {
  /** Line rate of a serial console port; undefined: the board's (or the command's default). */
  baud?: number;
};

export type ResetMethod =
  | { method: 'smp' }
  /** Pulse a modem line: assert for `pulseMs`, release, wait `waitMs` before talking. */
  | { method: 'dtr' | 'rts'; pulseMs: number; waitMs: number; invert: boolean }
  | { method: 'command'; command: ExternalCommand; timeoutMs: number; waitMs: number };

export interface PowerControl {
  on: ExternalCommand;
  off: ExternalCommand;
  /** Time to wait after switching before the board is expected to answer / be fully off. */
  settleMs: number;
  timeoutMs: number;
}

/** identity.json: each optional, canonical lower-case UUID strings (RFC 9124 vendor/class ids). */
export interface DeviceIdentity {
  vendorId?: string;
  classId?: string;
  deviceId?: string;
}

export interface LabBoard {
  name: string;
  tags: string[];
  port: PortSpec;
  /** Line rate; undefined = the command's default (or --baud). */
  baud?: number;
  /** Where the board's application prints its console when that is not the SMP port (undefined: between SMP frames). */
  console?: ConsolePortSpec;
  /** How the host speaks SMP to it (`smp:` framing, version, line length), as given; the rest are the defaults. */
  smp?: Partial<SmpLinkSettings>;
  reset: ResetMethod;
  power?: PowerControl;
  /** Absolute path of the image that restores the board after each case. */
  knownGood?: string;
  /** Application images by role (`healthy`, `never-confirms`, `crashes`, ...), absolute paths. */
  apps: Record<string, string>;
  trust: TrustAnchor[];
  /** Signer roles whose signatures must all verify; empty = any one trusted signer. */
  require: string[];
  identity?: DeviceIdentity;
  /** Private keys suites sign updates for this board with, by signer role (absolute paths; checked to load). */
  keys: Record<string, string>;
  /** The board's keys for encrypted payloads (draft-ietf-suit-firmware-encryption), for the host's predictions. */
  decrypt?: DecryptionKey[];
  /** Where the board is defined, for messages. */
  source: { file: string; line: number };
}

export interface Lab {
  /** Absolute path of the lab file. */
  file: string;
  boards: LabBoard[];
}

export const LAB_FORMAT_VERSION = 1;
