/**
 * The device under test as suites drive it: the operator-side actions of RFC 9019 §3 (deliver a
 * manifest, supply the payloads it names, reset, read the board's status and SUIT report),
 * plus what a rig needs around them (power cut and restore, flashing a known-good image, armed
 * faults on virtual boards). One interface for real boards over SMP (groups 0, 1, 66, 67 of
 * DESIGN.md "Wire protocol") and virtual boards; suites never see the link. Every operation
 * takes an AbortSignal: the runner aborts it when a step overruns, and an implementation must
 * then give up promptly. An operation on a board that stopped answering rejects with
 * DutUnresponsiveError (rig/dut/errors.ts).
 */

/** What a SUIT processor made of a manifest. `reason` uses the verifier's reason names (e.g. `rollback`, `unauthorised`). */
export type Decision = { kind: 'accept' } | { kind: 'reject'; reason: string; detail?: string };

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

export const BOOT_OUTCOMES: readonly BootOutcome[] = ['unchanged', 'updated', 'pending', 'reverted', 'recovery'];

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

export interface DeliveryResult {
  decision: Decision;
  source: DecisionSource;
  /** Payload URIs the board still needs, exactly as the manifest names them. */
  missing: string[];
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
  reason: string;
  slot: number;
  outcome: BootOutcome;
}

export interface DutStatus {
  mode: 'application' | 'bootloader' | 'recovery';
  slots: SlotInfo[];
  /** SUIT manifest state of the installed manifest (SUIT boards). */
  suit?: { sequence: bigint; digest?: string; version?: string; vendorId?: string; classId?: string };
  /** Last boot (rig group, or derived from image state). */
  boot?: BootRecord;
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

/** Lines for the per-board log: console text between SMP frames, SMP exchanges, notes. */
export type DutEvent = { kind: 'console'; line: string } | { kind: 'smp'; summary: string } | { kind: 'note'; message: string };

export interface Dut {
  readonly name: string;
  readonly capabilities: DutCapabilities;
  /** Envelope upload; on a board without the SUIT group the host decides (source `host`). */
  deliverEnvelope(envelope: Uint8Array, opts?: DutOpOptions): Promise<DeliveryResult>;
  /** Payload for a URI the board asked for; resumable by offset inside the implementation. */
  supplyPayload(uri: string, bytes: Uint8Array, opts?: DutOpOptions): Promise<DeliveryResult>;
  /** Resets with the board's configured method; resolves once it answers again. */
  reset(opts?: DutOpOptions & { bootloader?: boolean }): Promise<void>;
  powerCut(opts?: DutOpOptions): Promise<void>;
  /** Restores power; resolves once the board answers again. */
  powerRestore(opts?: DutOpOptions): Promise<void>;
  readStatus(opts?: DutOpOptions): Promise<DutStatus>;
  /** The last SUIT report, or undefined on boards without the rig group. */
  readLastReport(opts?: DutOpOptions): Promise<LastReport | undefined>;
  /** Uploads an MCUboot image to the secondary slot and marks it (image group). */
  flashImage(image: Uint8Array, opts: DutOpOptions & { mode: FlashMode }): Promise<void>;
  /** Brings the board back to its known-good image (lab `known-good:`, or a virtual board's snapshot). */
  restoreKnownGood(opts?: DutOpOptions): Promise<RestoreResult>;
  armFault(fault: FaultSpec, opts?: DutOpOptions): Promise<void>;
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
