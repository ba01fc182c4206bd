/**
 * NOR flash model after MCUboot's `sim/simflash` (notes/mcuboot.md §6): erase must cover whole
 * sectors exactly, writes must be aligned in offset and length, and a write unit may be written
 * once between erases ("write to unerased location" is an error). Every erase and write call is
 * one counted operation; a power cut can be armed to strike just before the Nth one (as
 * `flash_counter` in `sim/mcuboot-sys/csupport/run.c`), optionally tearing it: part of it is
 * applied, the rest left as it was, bits of the boundary unit half-programmed.
 */
import { FlashError, PowerCutError } from './errors.js';
import { geometryFingerprint, sectorSpan, type FlashGeometry } from './geometry.js';
import { INSTANT, checkTiming, eraseUs, writeUs, type BusyClock, type FlashTiming } from './timing.js';
import { seededRng, type Rng } from '../../../host/transport/rng.js';

/**
 * What one operation did to the array, as persistence replays it: `fill` sets a range to one
 * value (an erase), `put` stores bytes (a write); `written` is the new state of the write-once
 * flags of the units covered.
 */
export type FlashEffect =
  | { kind: 'fill'; offset: number; length: number; value: number; written: boolean }
  | { kind: 'put'; offset: number; bytes: Uint8Array; written: boolean };

export interface FlashObserver {
  /**
   * Called after each effect is applied in memory (a torn operation gives several). A `put`'s
   * bytes are a view of the flash array, valid only during the call: copy them to keep them
   * (persistence writes them out at once, so every write of an image chunk costs no copy).
   */
  effect(e: FlashEffect): void;
}

export interface PowerCutPlan {
  /** This many operations complete; the next one is cut. 0 cuts the very next operation. */
  afterOps: number;
  /** Apply a random part of the cut operation (default false: operations are atomic). */
  torn?: boolean;
  /** Seed of the torn part (default 0). */
  seed?: number;
}

/** Contents and write-once state, for cloning a board at a point of a run. */
export interface FlashSnapshot {
  readonly contents: Uint8Array;
  /** One flag per write unit: 1 = written since its last erase. */
  readonly written: Uint8Array;
  readonly opCount: number;
}

export interface SimFlashOptions {
  timing?: FlashTiming;
  /** Initial state (default: fully erased). */
  snapshot?: FlashSnapshot;
}

export class SimFlash implements BusyClock {
  readonly geometry: FlashGeometry;
  readonly timing: FlashTiming;
  private readonly mem: Uint8Array;
  private readonly written: Uint8Array;
  private ops = 0;
  private cut: { atOp: number; torn: boolean; rng: Rng } | undefined;
  private on = true;
  private busyUs = 0;
  private totalUs = 0;
  private readonly observers = new Set<FlashObserver>();

  constructor(geometry: FlashGeometry, options: SimFlashOptions = {}) {
    this.geometry = geometry;
    this.timing = options.timing ?? INSTANT;
    checkTiming(this.timing, geometry);
    const units = geometry.size / geometry.writeAlign;
    if (options.snapshot) {
      const s = options.snapshot;
      if (s.contents.length !== geometry.size || s.written.length !== units) {
        throw new RangeError(`flash snapshot of ${s.contents.length} bytes does not fit ${geometryFingerprint(geometry)}`);
      }
      this.mem = new Uint8Array(s.contents);
      this.written = new Uint8Array(s.written);
      this.ops = s.opCount;
    } else {
      this.mem = new Uint8Array(geometry.size).fill(geometry.erasedValue);
      this.written = new Uint8Array(units);
    }
  }

  get size(): number {
    return this.geometry.size;
  }

  /** Operations completed so far (a cut operation is not counted). */
  get opCount(): number {
    return this.ops;
  }

  get powered(): boolean {
    return this.on;
  }

  /** Simulated busy time of all operations so far, in microseconds. */
  get simulatedUs(): number {
    return this.totalUs;
  }

  drainBusyUs(): number {
    const us = this.busyUs;
    this.busyUs = 0;
    return us;
  }

  addObserver(o: FlashObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  /** Arms a power cut; replaces any armed one. */
  armPowerCut(plan: PowerCutPlan): void {
    if (!Number.isInteger(plan.afterOps) || plan.afterOps < 0) throw new RangeError(`power cut: afterOps must be a non-negative integer, got ${plan.afterOps}`);
    this.cut = { atOp: this.ops + plan.afterOps, torn: plan.torn ?? false, rng: seededRng(plan.seed ?? 0) };
  }

  disarmPowerCut(): void {
    this.cut = undefined;
  }

  get powerCutArmed(): boolean {
    return this.cut !== undefined;
  }

  /** Operations left to complete before the armed power cut strikes, or undefined when none is armed. */
  get opsUntilPowerCut(): number | undefined {
    return this.cut && this.cut.atOp - this.ops;
  }

  /** Power returns after a cut: operations are accepted again. */
  powerOn(): void {
    this.on = true;
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length, 'read');
    return this.mem.slice(offset, offset + length);
  }

  /** True when every byte of the range reads as the erased value. */
  isErased(offset: number, length: number): boolean {
    this.checkRange(offset, length, 'read');
    const v = this.geometry.erasedValue;
    for (let i = offset; i < offset + length; i++) if (this.mem[i] !== v) return false;
    return true;
  }

  erase(offset: number, length: number): void {
    this.checkPowered();
    const span = sectorSpan(this.geometry, offset, length);
    if (typeof span === 'string') throw new FlashError(span.startsWith('range') ? 'range' : 'sector-exact', `flash erase: ${span}`);
    const cut = this.cutNow();
    const sectors = this.geometry.sectors;
    let done = span.last - span.first + 1;
    // Torn: a random number of whole sectors erased, then one half-erased.
    if (cut) done = cut.torn ? cut.rng.below(done) : 0;
    for (let i = span.first; i < span.first + done; i++) {
      const s = sectors[i]!;
      this.applyFill(s.offset, s.size);
      this.busyUs += eraseUs(this.timing, s.size);
      this.totalUs += eraseUs(this.timing, s.size);
    }
    if (cut) {
      const next = span.first + done;
      if (cut.torn) this.tearErase(sectors[next]!.offset, sectors[next]!.size, cut.rng);
      this.powerCut(cut.torn);
    }
    this.ops++;
  }

  write(offset: number, data: Uint8Array): void {
    this.checkPowered();
    const a = this.geometry.writeAlign;
    if (data.length === 0) throw new FlashError('range', 'flash write: empty data');
    this.checkRange(offset, data.length, 'write');
    if (offset % a !== 0 || data.length % a !== 0) {
      throw new FlashError('alignment', `flash write at 0x${offset.toString(16)} of ${data.length} bytes is not aligned to ${a} bytes`);
    }
    for (let u = offset / a; u < (offset + data.length) / a; u++) {
      if (this.written[u]) throw new FlashError('unerased', `flash write to unerased location 0x${(u * a).toString(16)} (written since its last erase)`);
    }
    const cut = this.cutNow();
    if (cut) {
      if (cut.torn) this.tearWrite(offset, data, cut.rng);
      this.powerCut(cut.torn);
    }
    this.applyPut(offset, data);
    this.busyUs += writeUs(this.timing, data.length);
    this.totalUs += writeUs(this.timing, data.length);
    this.ops++;
  }

  snapshot(): FlashSnapshot {
    return { contents: new Uint8Array(this.mem), written: new Uint8Array(this.written), opCount: this.ops };
  }

  /** An independent copy (contents, write-once state, op count, timing); no observers, no armed cut. */
  clone(): SimFlash {
    return new SimFlash(this.geometry, { timing: this.timing, snapshot: this.snapshot() });
  }

  private cutNow(): { torn: boolean; rng: Rng } | undefined {
    const c = this.cut;
    if (!c || c.atOp !== this.ops) return undefined;
    this.cut = undefined;
    return c;
  }

  private powerCut(torn: boolean): never {
    this.on = false;
    throw new PowerCutError(this.ops, torn);
  }

  private checkPowered(): void {
    if (!this.on) throw new FlashError('unpowered', 'flash operation while the board has no power (call powerOn() after a power cut)');
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.geometry.size) {
      throw new FlashError('range', `flash ${what} of ${length} bytes at 0x${offset.toString(16)} is outside the ${this.geometry.size}-byte flash`);
    }
  }

  private applyFill(offset: number, length: number): void {
    this.mem.fill(this.geometry.erasedValue, offset, offset + length);
    const a = this.geometry.writeAlign;
    this.written.fill(0, offset / a, (offset + length) / a);
    this.emit({ kind: 'fill', offset, length, value: this.geometry.erasedValue, written: false });
  }

  private applyPut(offset: number, bytes: Uint8Array): void {
    this.mem.set(bytes, offset);
    const a = this.geometry.writeAlign;
    this.written.fill(1, offset / a, (offset + bytes.length) / a);
    if (this.observers.size > 0) this.emit({ kind: 'put', offset, bytes: this.mem.subarray(offset, offset + bytes.length), written: true });
  }

  /** Programming moves bits from their erased state to the target; a torn unit has a random part of them moved. */
  private halfProgram(current: number, target: number, rng: Rng): number {
    return (current ^ ((current ^ target) & rng.below(256))) & 0xff;
  }

  private tearWrite(offset: number, data: Uint8Array, rng: Rng): void {
    const a = this.geometry.writeAlign;
    const units = data.length / a;
    const full = rng.below(units);
    if (full > 0) this.applyPut(offset, data.subarray(0, full * a));
    const at = offset + full * a;
    const unit = new Uint8Array(a);
    for (let i = 0; i < a; i++) unit[i] = this.halfProgram(this.mem[at + i]!, data[full * a + i]!, rng);
    this.applyPut(at, unit);
  }

  /** An interrupted erase leaves the sector neither erased nor intact: it must be erased again. */
  private tearErase(offset: number, size: number, rng: Rng): void {
    const e = this.geometry.erasedValue;
    const bytes = this.mem.slice(offset, offset + size);
    for (let i = 0; i < size; i++) bytes[i] = (bytes[i]! ^ ((bytes[i]! ^ e) & rng.below(256))) & 0xff;
    this.mem.set(bytes, offset);
    const a = this.geometry.writeAlign;
    this.written.fill(1, offset / a, (offset + size) / a);
    this.emit({ kind: 'put', offset, bytes, written: true });
  }

  private emit(e: FlashEffect): void {
    for (const o of this.observers) o.effect(e);
  }
}
