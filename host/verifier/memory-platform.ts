/**
 * An in-memory SuitPlatform: components are byte arrays keyed by their identifier, every
 * operation is appended to `calls` (the platform half of a run's call trace; the commands
 * themselves are in the run's records). Used by tests and by `suitrig verify --run`, so an author
 * can run a manifest with its real payloads before delivery. Device facts (slot, versions,
 * battery, clock, authorisation, invoke outcome) are options.
 */
import { componentText } from './names.js';
import type { ComponentRef, InvokeOutcome, SuitPlatform } from './platform.js';

export interface PlatformCall {
  op: 'open' | 'erase' | 'write' | 'finish' | 'copy' | 'swap' | 'invoke' | 'unlink' | 'wait';
  /** The component, as text: [h'00'], ['usr', 'bin']. */
  component: string;
  /** copy / swap: the other component. */
  source?: string;
  offset?: bigint;
  length?: bigint;
  args?: Uint8Array;
}

export interface MemoryPlatformOptions {
  /** Components the device has (identifier text as componentText prints it); default: any. */
  components?: string[];
  /** Initial contents by identifier text. */
  contents?: Record<string, Uint8Array>;
  /** Slot each component designates (condition-component-slot). */
  slots?: Record<string, bigint>;
  /** Slot of components not in `slots`; default: none (component-slot fails). */
  defaultSlot?: bigint;
  /** Version of each component (condition-version). */
  versions?: Record<string, bigint[]>;
  batteryMwh?: bigint;
  /** Seconds since the epoch; default: the real clock. */
  now?: bigint;
  /** Highest update priority value authorised (smaller = more urgent); default: all authorised. */
  authorizeUpTo?: bigint;
  /** What invoke does; default 'returned'. */
  invoke?: InvokeOutcome;
  /** Whether waits succeed; default true. */
  waitSucceeds?: boolean;
  /** Makes the n-th write (0-based) fail, to test failing storage. */
  failWriteAt?: number;
}

/**
 * `d` extended to `length` bytes (the new ones zero), inside its own buffer while that has room
 * and else in one twice as large: an image written chunk by chunk costs amortised O(n), not a
 * copy of everything written so far per chunk.
 */
function extended(d: Uint8Array, length: number): Uint8Array {
  if (length <= d.length) return d;
  if (d.byteOffset + length <= d.buffer.byteLength) return new Uint8Array(d.buffer, d.byteOffset, length).fill(0, d.length);
  const next = new Uint8Array(new ArrayBuffer(Math.max(length, 2 * d.length)), 0, length);
  next.set(d);
  return next;
}

export class MemoryPlatform implements SuitPlatform {
  readonly calls: PlatformCall[] = [];
  private readonly names: string[] = [];
  private readonly data = new Map<string, Uint8Array>();
  private writes = 0;

  constructor(private readonly opts: MemoryPlatformOptions = {}) {
    for (const [k, v] of Object.entries(opts.contents ?? {})) this.data.set(k, new Uint8Array(v));
  }

  /** Content of a component by identifier text, e.g. "[h'00']" (a view: later writes may change it). */
  content(name: string): Uint8Array | undefined {
    return this.data.get(name);
  }

  set(name: string, bytes: Uint8Array): void {
    this.data.set(name, new Uint8Array(bytes));
  }

  private name(h: number): string {
    const n = this.names[h];
    if (n === undefined) throw new RangeError(`no component handle ${h}`);
    return n;
  }

  open(c: ComponentRef): number {
    const name = componentText(c.id);
    if (this.opts.components && !this.opts.components.includes(name)) return -1;
    let h = this.names.indexOf(name);
    if (h < 0) h = this.names.push(name) - 1;
    this.calls.push({ op: 'open', component: name });
    return h;
  }

  size(h: number): bigint {
    const d = this.data.get(this.name(h));
    return d ? BigInt(d.length) : -1n;
  }

  read(h: number, offset: bigint, dst: Uint8Array): number {
    const d = this.data.get(this.name(h));
    if (!d) return -1;
    const from = Number(offset);
    const part = d.subarray(from, from + dst.length);
    dst.set(part);
    return part.length;
  }

  erase(h: number): boolean {
    this.calls.push({ op: 'erase', component: this.name(h) });
    this.data.set(this.name(h), new Uint8Array(0));
    return true;
  }

  write(h: number, offset: bigint, bytes: Uint8Array): boolean {
    const n = this.name(h);
    this.calls.push({ op: 'write', component: n, offset, length: BigInt(bytes.length) });
    if (this.opts.failWriteAt !== undefined && this.writes++ === this.opts.failWriteAt) return false;
    const next = extended(this.data.get(n) ?? new Uint8Array(0), Number(offset) + bytes.length);
    next.set(bytes, Number(offset));
    this.data.set(n, next);
    return true;
  }

  finish(h: number, length: bigint): boolean {
    const n = this.name(h);
    this.calls.push({ op: 'finish', component: n, length });
    const d = this.data.get(n) ?? new Uint8Array(0);
    this.data.set(n, d.subarray(0, Number(length)));
    return BigInt(d.length) >= length;
  }

  copy(dst: number, src: number): boolean {
    this.calls.push({ op: 'copy', component: this.name(dst), source: this.name(src) });
    const d = this.data.get(this.name(src));
    if (!d) return false;
    this.data.set(this.name(dst), new Uint8Array(d));
    return true;
  }

  swap(a: number, b: number): boolean {
    this.calls.push({ op: 'swap', component: this.name(a), source: this.name(b) });
    const da = this.data.get(this.name(a));
    const db = this.data.get(this.name(b));
    if (!db) return false;
    this.data.set(this.name(a), db);
    if (da) this.data.set(this.name(b), da);
    else this.data.delete(this.name(b));
    return true;
  }

  invoke(h: number, args: Uint8Array): InvokeOutcome {
    this.calls.push({ op: 'invoke', component: this.name(h), args });
    return this.opts.invoke ?? 'returned';
  }

  unlink(h: number): boolean {
    this.calls.push({ op: 'unlink', component: this.name(h) });
    return true;
  }

  slot(h: number): bigint | undefined {
    return this.opts.slots?.[this.name(h)] ?? this.opts.defaultSlot;
  }

  version(h: number): bigint[] | undefined {
    return this.opts.versions?.[this.name(h)];
  }

  battery(): bigint | undefined {
    return this.opts.batteryMwh;
  }

  authorize(priority: bigint): boolean {
    return this.opts.authorizeUpTo === undefined || priority <= this.opts.authorizeUpTo;
  }

  wait(h: number, _info: Uint8Array): boolean {
    this.calls.push({ op: 'wait', component: this.name(h) });
    return this.opts.waitSucceeds ?? true;
  }

  now(): bigint {
    return this.opts.now ?? BigInt(Math.floor(Date.now() / 1000));
  }
}
