/**
 * The virtual board's SuitPlatform (host/verifier/platform.ts): the components a manifest names,
 * mapped onto the board's flash (draft-ietf-suit-manifest-37 §6 "abstract machine"; DESIGN.md
 * "Virtual board"). The application image component — `[h'00']` as in the IETF examples, or
 * `['app']` — designates, during an update, the candidate in the secondary slot (written
 * through a SlotWriter while the core hashes it) and, at boot, the image installed in a slot
 * (read-only). Other component identifiers are unsupported (open returns -1, the run fails
 * with component-unsupported).
 */
import { PowerCutError } from '../flash/index.js';
import { componentText } from '../../../host/verifier/names.js';
import type { ComponentRef, InvokeOutcome, SuitPlatform } from '../../../host/verifier/platform.js';
import type { FlashArea } from '../flash/index.js';
import { SlotWriteError, SlotWriter } from './slot-writer.js';

/** The application image component identifiers the board accepts by default, and as text. */
export const DEFAULT_IMAGE_COMPONENT_IDS: readonly Uint8Array[][] = [[new Uint8Array([0])], [new Uint8Array(Buffer.from('app'))]];
export const DEFAULT_IMAGE_COMPONENTS: readonly string[] = DEFAULT_IMAGE_COMPONENT_IDS.map(componentText);

/** Storage behind the image component for one run. */
export interface ImageComponent {
  /** Current content length; -1n when it holds nothing. */
  size(): bigint;
  read(offset: number, dst: Uint8Array): number;
  erase(): boolean;
  write(offset: number, data: Uint8Array): boolean;
  finish(length: number): boolean;
}

/** The candidate being installed: a stream into the secondary slot. */
export class CandidateImage implements ImageComponent {
  private writer: SlotWriter | undefined;

  constructor(private readonly open: () => SlotWriter) {}

  /** The stream, once the core erased the component (started writing it). */
  get stream(): SlotWriter | undefined {
    return this.writer;
  }

  size(): bigint {
    return this.writer ? BigInt(this.writer.size) : -1n;
  }

  read(offset: number, dst: Uint8Array): number {
    return this.writer ? this.writer.read(offset, dst) : -1;
  }

  erase(): boolean {
    this.writer = this.open();
    return true;
  }

  write(offset: number, data: Uint8Array): boolean {
    const w = this.writer;
    if (!w || offset !== w.size) return false;
    return attempt(() => w.write(data));
  }

  finish(length: number): boolean {
    return this.writer !== undefined && this.writer.size === length;
  }
}

/** An installed image: the payload region of a slot's container (read-only). */
export class InstalledImage implements ImageComponent {
  constructor(
    private readonly area: FlashArea,
    private readonly offset: number,
    private readonly length: number,
  ) {}

  size(): bigint {
    return BigInt(this.length);
  }

  read(offset: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.length - offset));
    if (n > 0) dst.set(this.area.read(this.offset + offset, n));
    return n;
  }

  erase(): boolean {
    return false;
  }

  write(): boolean {
    return false;
  }

  finish(): boolean {
    return false;
  }
}

/** Flash rule errors of a write are a failed write; a power cut stops the whole board. */
function attempt(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof PowerCutError) throw e;
    if (e instanceof SlotWriteError) return false;
    throw e;
  }
}

export interface FlashPlatformOptions {
  image: ImageComponent;
  /** Identifiers (componentText form) that name the image component. */
  components?: readonly string[];
  /** What invoke does: a bootloader hands off ('handed-off'); an updater's invoke returns. */
  invoke: InvokeOutcome;
  /** The installed application's version (condition-version). */
  version?: bigint[];
  /** Battery level in mWh (condition-minimum-battery); undefined: no battery gauge. */
  batteryMwh?: bigint;
}

export class FlashPlatform implements SuitPlatform {
  private readonly names: string[] = [];
  private readonly accepted: ReadonlySet<string>;

  constructor(private readonly o: FlashPlatformOptions) {
    this.accepted = new Set(o.components ?? DEFAULT_IMAGE_COMPONENTS);
  }

  open(c: ComponentRef): number {
    const name = componentText(c.id);
    if (c.dependency || !this.accepted.has(name)) return -1;
    let h = this.names.indexOf(name);
    if (h < 0) h = this.names.push(name) - 1;
    return h;
  }

  size(): bigint {
    return this.o.image.size();
  }

  read(_h: number, offset: bigint, dst: Uint8Array): number {
    return this.o.image.read(Number(offset), dst);
  }

  erase(): boolean {
    return this.o.image.erase();
  }

  write(_h: number, offset: bigint, data: Uint8Array): boolean {
    return this.o.image.write(Number(offset), data);
  }

  finish(_h: number, length: bigint): boolean {
    return this.o.image.finish(Number(length));
  }

  copy(): boolean {
    return false;
  }

  swap(): boolean {
    return false;
  }

  invoke(): InvokeOutcome {
    return this.o.invoke;
  }

  version(): bigint[] | undefined {
    return this.o.version;
  }

  battery(): bigint | undefined {
    return this.o.batteryMwh;
  }

  authorize(): boolean {
    return true;
  }

  wait(): boolean {
    return true;
  }

  now(): bigint {
    return BigInt(Math.floor(Date.now() / 1000));
  }
}
