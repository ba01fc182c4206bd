/**
 * The device under test as suites drive it: the operator-side actions of RFC 9019 §3 (deliver a
 * manifest, supply the payloads it names, reset, read the board's status and SUIT report),
 * plus what a rig needs around them (power cut and restore, flashing a known-good image, armed
 * faults on virtual boards). One interface for real boards over SMP (groups 0, 1, 66, 67 of
 * DESIGN.md "Wire protocol") and virtual boards; suites never see the link. What a board can
 * do beyond resets and status reads comes as protocols it has or lacks (`update`, `image`,
 * `report`, `power`, `faults`: presence is the capability), as the board's own protocols do
 * (protocols.ts). Every operation takes an AbortSignal: the runner aborts it when a step
 * overruns, and an implementation must then give up promptly. An operation on a board that
 * stopped answering rejects with DutUnresponsiveError (rig/dut/errors.ts).
 */
import type { DecryptionKey, TrustAnchor } from '../../host/keys/index.js';
import type { DeviceIdentity } from '../../host/verifier/identity.js';
import type { ConsoleProtocol, FaultProtocol, HardReset, PowerProtocol } from './protocols.js';

/**
 * What a SUIT processor made of a manifest. `reason` is the SUIT report's reason name
 * (draft-ietf-suit-report §4.2: `unauthorised`, `condition-failed`, `operation-failed`, ...),
 * `detail` the verifier's name of the failed check (`rollback`, `not-trusted`,
 * `vendor-identifier`, `image-match`, ...), `message` what it means, for people.
 */
export type Decision = { kind: 'accept' } | { kind: 'reject'; reason: string; detail?: string; message?: string };

/**
 * Who decided. `host`: the board has no SUIT group (stock Zephyr/MCUboot), so the host verified
 * the manifest and delivered only the payload; the board itself did not verify the manifest.
 */
export type DecisionSource = 'board' | 'host';

/** How the board came up after an update attempt, as its bootloader and the rig group report it. */
export type BootOutcome =
  /** The image that ran before still runs; nothing was installed. */
  | 'unchanged'
  /** The new image runs and is confirmed. */
  | 'updated'
  /** The new image runs in test mode, awaiting confirmation. */
  | 'pending'
  /** The new image was tried and the bootloader went back to the previous one. */
  | 'reverted'
  /** No valid image: the bootloader stays in recovery (serial recovery) mode. */
  | 'recovery';

/**
 * What a board offers, as data for plans and reports (a case's `needs`, `--dry-run`): the
 * protocols an open Dut has (`capabilitiesOf`), or what the lab file alone tells of a board
 * not opened yet (rig/runner/plan.ts).
 */
export interface DutCapabilities {
  /** SUIT group (66): the board makes its own SUIT decision. */
  suit: boolean;
  /** Image group (1): MCUboot image upload, test and confirm. */
  image: boolean;
  /** Rig group (67): last SUIT report and boot record, trust state. */
  rig: boolean;
  /** Power can be cut and restored (lab `power:` commands, or a virtual board). */
  power: boolean;
  /** Faults can be armed (virtual boards: power cut before flash op N, link faults). */
  faults: boolean;
  /** A reset line (DTR/RTS) is wired, besides the SMP reset command. */
  resetLine: boolean;
  /** One line for logs and reports, e.g. `SMP v2, buf 2048 x 4, MCUboot swap-using-move`. */
  description: string;
}

/** The capabilities of an open Dut: the protocols it has. */
export function capabilitiesOf(dut: Dut): DutCapabilities {
  return {
    suit: dut.update?.decides === 'board',
    image: dut.image !== undefined,
    rig: dut.report !== undefined,
    power: dut.power !== undefined,
    faults: dut.faults !== undefined,
    resetLine: dut.hardReset === 'dtr' || dut.hardReset === 'rts',
    description: dut.description,
  };
}

/** One payload upload: what went over the link (`interrupted` when `stopAfterBytes` cut it short). */
export interface Transfer {
  uri: string;
  bytes: number;
  ms: number;
  resumedFrom: number;
  interrupted: boolean;
}

export interface DeliveryResult {
  /** The decision so far: `accept` while the board still asks for payloads (it has not seen them yet). */
  decision: Decision;
  source: DecisionSource;
  /** Payload URIs the board still needs, exactly as the manifest names them. */
  missing: string[];
  /** The payload uploads this call made. */
  transfers: Transfer[];
}

export interface SlotInfo {
  slot: number;
  version?: string;
  /** Image hash, hex. */
  hash?: string;
  active: boolean;
  confirmed: boolean;
  pending: boolean;
  bootable: boolean;
}

export interface BootRecord {
  count: number;
  /** Why the board last booted (`power-on`, `soft-reset`, `power-cut`, `crash`, ...). */
  reason: string;
  slot: number;
  /** The bootloader's own word for the last boot (rig group 67: `booted`, `test`, `revert`, ...). */
  board: string;
  /** That boot judged against the image that ran before the last update delivered (see Dut.readStatus). */
  outcome: BootOutcome;
}

export interface DutStatus {
  mode: 'application' | 'bootloader' | 'recovery';
  slots: SlotInfo[];
  /** SUIT manifest state of the installed manifest (SUIT boards). */
  suit?: { sequence: bigint; digest?: string; version?: string; vendorId?: string; classId?: string };
  /** Last boot (rig group, or derived from image state). */
  boot?: BootRecord;
  /** Rig group trust state: the stored sequence number (rollback floor), key ids (hex), required roles. */
  trust?: { sequence: bigint; anchors: string[]; require: string[] };
}

export interface LastReport {
  /** The SUIT_Report CBOR as the board sent it. */
  report: Uint8Array;
  decision?: Decision;
  boot?: BootRecord;
}

/** Rig group command 8 (DESIGN.md): faults a virtual board applies from now on, seeded. */
export interface FaultSpec {
  /** Cut power just before the Nth flash operation (0-based) from now. */
  powerCutBeforeOp?: number;
  link?: { drop?: number; corrupt?: number; burst?: number };
  seed: number;
}

export type FlashMode = 'test' | 'confirm';

export interface RestoreResult {
  restored: boolean;
  /** What was done, or why nothing was (no known-good image configured). */
  detail: string;
}

export interface DutOpOptions {
  signal?: AbortSignal;
}

/**
 * What the board is provisioned with, as far as the host knows (lab `trust:`, `require:`,
 * `identity:`; for virtual boards what the rig provisioned them with): the host verifier
 * predicts the board's decisions with it, and verifies manifests itself for boards without
 * the SUIT group.
 */
export interface BoardProvision {
  trust: readonly TrustAnchor[];
  /** Roles whose signatures must all verify; empty: any one trusted signer. */
  require: readonly string[];
  identity?: DeviceIdentity;
  /** The keys the board decrypts payloads with (draft-ietf-suit-firmware-encryption). */
  decrypt?: readonly DecryptionKey[];
}

/** Lines for the per-board log: console text between SMP frames, SMP exchanges, notes. */
export type DutEvent = { kind: 'console'; line: string } | { kind: 'smp'; summary: string } | { kind: 'note'; message: string };

/**
 * RFC 9019 §3's update: the manifest goes to the board, then the payloads it asks for. The
 * board decides (SUIT group), or the host does and installs the payload through the image group.
 */
export interface UpdateProtocol {
  /** Who decides manifests on this board: `board` (its SUIT group) or `host` (stock MCUboot, image group only). */
  readonly decides: DecisionSource;
  deliverEnvelope(envelope: Uint8Array, opts?: DutOpOptions): Promise<DeliveryResult>;
  /**
   * Every payload the board asks for, by URI exactly as the manifest names it, from `payloads`,
   * until it asks for none; each upload resumes from the offset the board holds. A URI that
   * `payloads` lacks is an error naming it (MissingPayloadError). `stopAfterBytes`: the link
   * drops once the board holds that many bytes of the first payload (an interrupted transfer;
   * `missing` still names it), and the next call resumes.
   */
  supplyPayloads(payloads: ReadonlyMap<string, Uint8Array>, opts?: DutOpOptions & { stopAfterBytes?: number }): Promise<DeliveryResult>;
}

/** MCUboot images through the image group (1). */
export interface ImageProtocol {
  /** Uploads `image` to the slot the board takes uploads in and marks it for a test boot or permanently. */
  flash(image: Uint8Array, opts: DutOpOptions & { mode: FlashMode }): Promise<void>;
}

/** The board's own account of its last update (rig group 67). */
export interface ReportProtocol {
  readLast(opts?: DutOpOptions): Promise<LastReport>;
}

export interface Dut {
  readonly name: string;
  /** One line for logs and reports: the link, SMP buffers, bootloader, groups. */
  readonly description: string;
  /** Trust anchors, roles and identity the board is known to have (undefined: unknown). */
  readonly provision: BoardProvision | undefined;
  /** Present when the board takes updates (the SUIT group, or the image group). */
  readonly update?: UpdateProtocol;
  /** Present with the image group. */
  readonly image?: ImageProtocol;
  /** Present with the rig group. */
  readonly report?: ReportProtocol;
  /** Present when the rig switches the board's power; `restore` resolves once the board answers again. */
  readonly power?: PowerProtocol;
  /** Present on boards that take armed faults (virtual boards). */
  readonly faults?: FaultProtocol;
  /** The kind of reset the lab wired besides the SMP reset command (undefined: none). */
  readonly hardReset?: HardReset['kind'];
  /** The board's console: what its application prints, and its input where it takes any (console/session.ts reads it). */
  readonly console: ConsoleProtocol;
  /** Resets with the board's configured method; resolves once it answers again. */
  reset(opts?: DutOpOptions & { bootloader?: boolean }): Promise<void>;
  /** Resolves once the board answers again (after a power cut it did not announce), within `timeoutMs`. */
  waitForBoard(opts: DutOpOptions & { timeoutMs: number }): Promise<void>;
  /**
   * The board's state. `boot.outcome` judges the running image against the one that ran when
   * the last update was delivered: the same image is `unchanged`, or `reverted` once an
   * accepted update was installed; another is `updated` (confirmed) or `pending` (on test).
   */
  readStatus(opts?: DutOpOptions): Promise<DutStatus>;
  /** Brings the board back to its known-good image (lab `known-good:`, or a virtual board's snapshot). */
  restoreKnownGood(opts?: DutOpOptions): Promise<RestoreResult>;
  /** Log events; returns the unsubscribe function. */
  subscribe(listener: (e: DutEvent) => void): () => void;
  close(): Promise<void>;
}

/** DUT operations by name, as steps declare them for dry-runs. */
export type DutOperation =
  | 'deliver-envelope'
  | 'supply-payload'
  | 'reset'
  | 'power-cut'
  | 'power-restore'
  | 'read-status'
  | 'read-report'
  | 'flash-image'
  | 'restore-known-good'
  | 'arm-fault';

/**
 * What a suite provisions the virtual boards of its run with (rig/suites/api.ts `provision`):
 * trust anchors, roles and identity, and the known-good update installed before the first case,
 * to which every case returns (the board's state snapshot is taken right after it).
 */
export interface VirtualProvision extends BoardProvision {
  knownGood?: { envelope: Uint8Array; payloads: ReadonlyMap<string, Uint8Array> };
}
