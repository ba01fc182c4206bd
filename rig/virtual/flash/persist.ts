/**
 * Keeps a virtual board's flash in a state directory, so the board keeps its firmware across
 * resets and process restarts (DESIGN.md "Virtual board").
 *
 * Crash safety: the directory always holds the flash as it was after some prefix of its
 * operations, whatever moment the process dies at.
 * - `flash.snap`: the whole array and its write-once flags, with a SHA-256 over the file;
 *   only ever replaced by write-to-temporary + fsync + rename, so it is never half-written.
 * - `flash.log`: the effects of every operation since that snapshot, appended as records each
 *   closed by a CRC-32; a record cut short by a crash fails its CRC and is dropped (with all
 *   after it) when the state is opened again.
 * Both carry a generation number; compaction writes snapshot N+1 first, then a fresh log N+1, so
 * a crash between the two leaves a stale log that is recognised and ignored.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { geometryFingerprint, type FlashGeometry } from './geometry.js';
import { SimFlash, type FlashEffect, type FlashSnapshot } from './sim-flash.js';
import type { FlashTiming } from './timing.js';
import { writeFileAtomic } from '../../../host/util/atomic-write.js';
import { EnvironmentError } from '../../../host/util/errors.js';

const SNAP_MAGIC = Buffer.from('SRFLSNP1', 'latin1');
const LOG_MAGIC = Buffer.from('SRFLLOG1', 'latin1');
const SNAP_FILE = 'flash.snap';
const LOG_FILE = 'flash.log';
const KIND_FILL = 1;
const KIND_PUT = 2;
/** Record header: kind u8, written u8, offset u32, length u32. */
const REC_HEAD = 10;

/** The state directory cannot hold the board's flash (not a directory, unwritable, corrupt, full): the environment, not the board. */
export class FlashStateError extends EnvironmentError {
  override name = 'FlashStateError';
}

/** File-system failures while opening or writing the state, as FlashStateError naming the directory. */
function stateFailure(dir: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof FlashStateError || typeof code !== 'string') return e;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : code === 'EISDIR' ? 'a state file there is a directory' : (e as Error).message;
  return new FlashStateError(`state directory ${dir}: cannot keep the board's flash there: ${why} (${code})`);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function encodeSnapshot(g: FlashGeometry, generation: number, s: FlashSnapshot): Buffer {
  const fp = Buffer.from(geometryFingerprint(g), 'utf8');
  const body = Buffer.concat([SNAP_MAGIC, u32(generation), u32(fp.length), fp, u32(s.contents.length), u32(s.written.length), s.contents, s.written]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function decodeSnapshot(path: string, g: FlashGeometry): { generation: number; contents: Uint8Array; written: Uint8Array } {
  const buf = readFileSync(path);
  const fail = (why: string): never => {
    throw new FlashStateError(`${path}: ${why}`);
  };
  if (buf.length < SNAP_MAGIC.length + 48 || !buf.subarray(0, 8).equals(SNAP_MAGIC)) fail('not a suitrig flash snapshot');
  const body = buf.subarray(0, buf.length - 32);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - 32))) fail('checksum mismatch (the file was changed outside suitrig)');
  let p = 8;
  const generation = body.readUInt32LE(p);
  const fpLen = body.readUInt32LE(p + 4);
  p += 8;
  const fp = body.subarray(p, p + fpLen).toString('utf8');
  p += fpLen;
  const want = geometryFingerprint(g);
  if (fp !== want) fail(`holds flash of a different part (${fp}); this board needs ${want}. Use another --state directory or delete this one`);
  const size = body.readUInt32LE(p);
  const units = body.readUInt32LE(p + 4);
  p += 8;
  if (size !== g.size || units !== g.size / g.writeAlign || p + size + units !== body.length) fail('inconsistent sizes');
  return { generation, contents: new Uint8Array(body.subarray(p, p + size)), written: new Uint8Array(body.subarray(p + size, p + size + units)) };
}

/** One log record, built in place: a write's bytes are copied once, from the flash to the record. */
function encodeEffect(e: FlashEffect): Buffer {
  const payloadLen = e.kind === 'fill' ? 1 : e.bytes.length;
  const rec = Buffer.allocUnsafe(REC_HEAD + payloadLen + 4);
  rec.writeUInt8(e.kind === 'fill' ? KIND_FILL : KIND_PUT, 0);
  rec.writeUInt8(e.written ? 1 : 0, 1);
  rec.writeUInt32LE(e.offset, 2);
  rec.writeUInt32LE(e.kind === 'fill' ? e.length : e.bytes.length, 6);
  if (e.kind === 'fill') rec.writeUInt8(e.value, REC_HEAD);
  else rec.set(e.bytes, REC_HEAD);
  rec.writeUInt32LE(crc32(rec.subarray(0, REC_HEAD + payloadLen)), REC_HEAD + payloadLen);
  return rec;
}

function applyEffect(contents: Uint8Array, written: Uint8Array, align: number, e: FlashEffect): void {
  const len = e.kind === 'fill' ? e.length : e.bytes.length;
  if (e.kind === 'fill') contents.fill(e.value, e.offset, e.offset + len);
  else contents.set(e.bytes, e.offset);
  written.fill(e.written ? 1 : 0, Math.floor(e.offset / align), Math.ceil((e.offset + len) / align));
}

/** Replays the valid prefix of a log; returns the byte length of that prefix. */
function replayLog(buf: Buffer, contents: Uint8Array, written: Uint8Array, align: number): number {
  let p = LOG_MAGIC.length + 4;
  while (p + REC_HEAD + 4 <= buf.length) {
    const kind = buf.readUInt8(p);
    const len = buf.readUInt32LE(p + 6);
    const offset = buf.readUInt32LE(p + 2);
    const payloadLen = kind === KIND_FILL ? 1 : len;
    const end = p + REC_HEAD + payloadLen;
    if ((kind !== KIND_FILL && kind !== KIND_PUT) || end + 4 > buf.length || offset + len > contents.length) break;
    if (crc32(buf.subarray(p, end)) !== buf.readUInt32LE(end)) break;
    const effect: FlashEffect =
      kind === KIND_FILL
        ? { kind: 'fill', offset, length: len, value: buf.readUInt8(p + REC_HEAD), written: buf.readUInt8(p + 1) === 1 }
        : { kind: 'put', offset, bytes: buf.subarray(p + REC_HEAD, end), written: buf.readUInt8(p + 1) === 1 };
    applyEffect(contents, written, align, effect);
    p = end + 4;
  }
  return p;
}

export interface PersistentFlashOptions {
  timing?: FlashTiming;
  /** Compact the log into a new snapshot once it grows past this many bytes (default: 2 × flash size, at least 4 MiB). */
  compactAfterBytes?: number;
}

/** A SimFlash whose every effect is written through to a state directory. */
export class PersistentFlash {
  readonly flash: SimFlash;
  readonly dir: string;
  private generation: number;
  private logFd: number | undefined;
  private logBytes: number;
  private readonly compactAfter: number;
  private readonly detach: () => void;

  private constructor(dir: string, flash: SimFlash, generation: number, logFd: number, logBytes: number, compactAfter: number) {
    this.dir = dir;
    this.flash = flash;
    this.generation = generation;
    this.logFd = logFd;
    this.logBytes = logBytes;
    this.compactAfter = compactAfter;
    this.detach = flash.addObserver({ effect: (e) => this.append(e) });
  }

  /** Opens (or creates, erased) the flash state in `dir` for a part of geometry `g`. */
  static open(dir: string, g: FlashGeometry, options: PersistentFlashOptions = {}): PersistentFlash {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new FlashStateError(`state directory ${dir} is not a directory`);
    try {
      return PersistentFlash.openIn(dir, g, options);
    } catch (e) {
      throw stateFailure(dir, e);
    }
  }

  private static openIn(dir: string, g: FlashGeometry, options: PersistentFlashOptions): PersistentFlash {
    mkdirSync(dir, { recursive: true });
    const snapPath = join(dir, SNAP_FILE);
    const logPath = join(dir, LOG_FILE);
    let generation = 0;
    let contents: Uint8Array;
    let written: Uint8Array;
    if (existsSync(snapPath)) {
      ({ generation, contents, written } = decodeSnapshot(snapPath, g));
    } else {
      contents = new Uint8Array(g.size).fill(g.erasedValue);
      written = new Uint8Array(g.size / g.writeAlign);
      writeFileAtomic(snapPath, encodeSnapshot(g, generation, { contents, written, opCount: 0 }), { mode: 0o600 });
    }
    let logBytes = 0;
    if (existsSync(logPath)) {
      const buf = readFileSync(logPath);
      if (buf.length >= 12 && buf.subarray(0, 8).equals(LOG_MAGIC) && buf.readUInt32LE(8) === generation) {
        logBytes = replayLog(buf, contents, written, g.writeAlign);
        if (logBytes < buf.length) {
          const fd = openSync(logPath, 'r+');
          ftruncateSync(fd, logBytes);
          closeSync(fd);
        }
      }
    }
    if (logBytes === 0) {
      writeFileAtomic(logPath, Buffer.concat([LOG_MAGIC, u32(generation)]));
      logBytes = statSync(logPath).size;
    }
    const flash = new SimFlash(g, { ...(options.timing ? { timing: options.timing } : {}), snapshot: { contents, written, opCount: 0 } });
    const compactAfter = options.compactAfterBytes ?? Math.max(4 << 20, 2 * g.size);
    return new PersistentFlash(dir, flash, generation, openSync(logPath, 'a'), logBytes, compactAfter);
  }

  /** Folds the log into a new snapshot. */
  compact(): void {
    const fd = this.requireOpen();
    const g = this.flash.geometry;
    const next = this.generation + 1;
    writeFileAtomic(join(this.dir, SNAP_FILE), encodeSnapshot(g, next, this.flash.snapshot()));
    closeSync(fd);
    const logPath = join(this.dir, LOG_FILE);
    writeFileAtomic(logPath, Buffer.concat([LOG_MAGIC, u32(next)]));
    this.generation = next;
    this.logFd = openSync(logPath, 'a');
    this.logBytes = LOG_MAGIC.length + 4;
  }

  /** Compacts, closes the files and stops writing through; the SimFlash stays usable in memory. */
  close(): void {
    if (this.logFd === undefined) return;
    this.compact();
    closeSync(this.logFd);
    this.logFd = undefined;
    this.detach();
  }

  private requireOpen(): number {
    if (this.logFd === undefined) throw new FlashStateError(`${this.dir}: flash state already closed`);
    return this.logFd;
  }

  private append(e: FlashEffect): void {
    const rec = encodeEffect(e);
    const fd = this.requireOpen();
    try {
      for (let off = 0; off < rec.length; ) off += writeSync(fd, rec, off, rec.length - off);
      this.logBytes += rec.length;
      if (this.logBytes > this.compactAfter) this.compact();
    } catch (err) {
      throw stateFailure(this.dir, err);
    }
  }
}
