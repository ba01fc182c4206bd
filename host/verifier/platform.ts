/**
 * The platform a SUIT processor runs against (the TypeScript side of assembly/platform.ts): what
 * a firmware consumer or bootloader provides to the manifest processor of
 * draft-ietf-suit-manifest-37 §6 — component storage, invocation, device facts and a report
 * sink. MemoryPlatform (memory-platform.ts) implements it in memory for tests and for
 * `suitrig verify --run`; the virtual board implements it over its flash model.
 *
 * Every method is synchronous: it runs inside a call into the core. Payloads that arrive over a
 * slow link are not fetched through this interface: the processor suspends instead
 * (SuitProcessor.run returns status 'pending' with the URI) and the caller supplies the bytes.
 * The core itself hashes everything it writes and reads; the platform only stores bytes.
 */

/** A component named by a manifest (SUIT_Component_Identifier, manifest-37 §8.4.5.1). */
export interface ComponentRef {
  /** The identifier: a list of byte strings, e.g. [h'00'] or ['usr', 'bin', 'app']. */
  id: Uint8Array[];
  /** Its CBOR encoding: a stable key for maps. */
  encoded: Uint8Array;
  /** The component holds a dependency's envelope (trust-domains-11 §5.2). */
  dependency: boolean;
}

export type InvokeOutcome = 'returned' | 'handed-off' | 'failed';

export interface SuitPlatform {
  /** Resolves a component; returns a handle >= 0, or -1 when the device has no such component
   *  (the run then fails with component-unsupported). Called once per component and run. */
  open(component: ComponentRef): number;
  /** Length of the component's current content; -1n when it holds nothing. */
  size(handle: number): bigint;
  /** Copies content from `offset` into `dst`; returns the byte count (0 at the end), -1 on error.
   *  `dst` is a view of the core's memory, valid only during the call. */
  read(handle: number, offset: bigint, dst: Uint8Array): number;
  /** Prepares the component for a new image (e.g. erases its flash sectors). */
  erase(handle: number): boolean;
  /** Writes `data` at `offset`; offsets grow from 0 after erase. `data` is a view of the core's
   *  memory, valid only during the call: copy what you keep. */
  write(handle: number, offset: bigint, data: Uint8Array): boolean;
  /** The image written since erase is complete with `length` bytes. */
  finish(handle: number, length: bigint): boolean;
  /** suit-directive-copy: dst receives src's content. */
  copy(dst: number, src: number): boolean;
  /** suit-directive-swap: the two contents are exchanged. */
  swap(a: number, b: number): boolean;
  /** suit-directive-invoke with suit-parameter-invoke-args: 'returned' lets processing go on,
   *  'handed-off' ends the run with reason invoke-pending. */
  invoke(handle: number, args: Uint8Array): InvokeOutcome;
  /** suit-directive-unlink (trust-domains §6.6). Absent: unlink fails. */
  unlink?(handle: number): boolean;
  /** The slot index the component currently designates (condition-component-slot). */
  slot?(handle: number): bigint | undefined;
  /** The component's version as an integer list (update-management §4.4, condition-version). */
  version?(handle: number): bigint[] | undefined;
  /** Battery level in mWh (condition-minimum-battery). */
  battery?(): bigint | undefined;
  /** May an update of this priority proceed (condition-update-authorized)? Absent: no. */
  authorize?(priority: bigint): boolean;
  /** suit-directive-wait on a suit-parameter-wait-info map (CBOR). Absent: wait fails. */
  wait?(handle: number, waitInfo: Uint8Array): boolean;
  /** Seconds since 1970-01-01 UTC (condition-use-before). Absent: no clock, the condition fails. */
  now?(): bigint | undefined;
}
