/**
 * Flash persistence: contents and write-once state survive close/reopen and process death; a
 * log cut at any byte (a crash mid-append) reopens as the flash after a prefix of the operations.
 */
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlashError, FlashStateError, PersistentFlash, PowerCutError, flashGeometry, type SimFlash } from '../../rig/virtual/flash/index.js';
import { tempDir } from '../mcuboot/helpers.js';

const g = flashGeometry([{ count: 8, size: 1024 }], 4, 0xff);

type Op = { kind: 'erase'; sector: number } | { kind: 'write'; unit: number; units: number; byte: number };

function apply(f: SimFlash, op: Op): void {
  try {
    if (op.kind === 'erase') f.erase(op.sector * 1024, 1024);
    else f.write(op.unit * 4, new Uint8Array(op.units * 4).fill(op.byte));
  } catch (e) {
    if (!(e instanceof FlashError && e.rule === 'unerased')) throw e;
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('erase' as const), sector: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('write' as const), unit: fc.integer({ min: 0, max: 2040 }), units: fc.integer({ min: 1, max: 8 }), byte: fc.integer({ min: 0, max: 255 }) }),
);

describe('PersistentFlash', () => {
  it('keeps contents and the write-once state across close and reopen', () => {
    const dir = tempDir('persist');
    const p = PersistentFlash.open(dir, g);
    p.flash.write(0, new Uint8Array([1, 2, 3, 4]));
    p.flash.erase(1024, 1024);
    p.flash.write(1024, new Uint8Array(8).fill(7));
    p.close();
    const q = PersistentFlash.open(dir, g);
    expect(q.flash.read(0, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(q.flash.read(1024, 8)).toEqual(new Uint8Array(8).fill(7));
    expect(() => q.flash.write(0, new Uint8Array(4))).toThrow(/unerased/);
    q.close();
  });

  it('reopens without close (the process died) with every completed operation, including the state at a power cut', () => {
    const dir = tempDir('persist-crash');
    const p = PersistentFlash.open(dir, g);
    p.flash.write(16, new Uint8Array(4).fill(9));
    p.flash.armPowerCut({ afterOps: 1, torn: true, seed: 11 });
    p.flash.write(20, new Uint8Array(4).fill(8));
    expect(() => p.flash.write(64, new Uint8Array(32).fill(0))).toThrow(PowerCutError);
    const atCut = p.flash.read(0, g.size);
    // no close(): a second process opens the same directory
    const q = PersistentFlash.open(dir, g);
    expect(q.flash.read(0, g.size)).toEqual(atCut);
  });

  it('compacts into a new snapshot and ignores a stale log of the previous generation', () => {
    const dir = tempDir('persist-compact');
    const p = PersistentFlash.open(dir, g, { compactAfterBytes: 200 });
    for (let i = 0; i < 20; i++) p.flash.write(i * 16, new Uint8Array(16).fill(i));
    expect(statSync(join(dir, 'flash.log')).size).toBeLessThan(300);
    const oldLog = readFileSync(join(dir, 'flash.log'));
    p.compact();
    // A crash after the new snapshot but before the new log: the old log is still there.
    writeFileSync(join(dir, 'flash.log'), oldLog);
    const q = PersistentFlash.open(dir, g);
    for (let i = 0; i < 20; i++) expect(q.flash.read(i * 16, 16)).toEqual(new Uint8Array(16).fill(i));
    q.close();
  });

  it('refuses a state directory of another part and a snapshot changed by hand', () => {
    const dir = tempDir('persist-mismatch');
    PersistentFlash.open(dir, g).close();
    const other = flashGeometry([{ count: 8, size: 1024 }], 8, 0xff);
    expect(() => PersistentFlash.open(dir, other)).toThrow(/different part \(8x1024\/align4\/erased0xff\); this board needs 8x1024\/align8/);
    const snap = join(dir, 'flash.snap');
    const b = readFileSync(snap);
    b[100]! ^= 1;
    writeFileSync(snap, b);
    const log = readFileSync(join(dir, 'flash.log'));
    expect(() => PersistentFlash.open(dir, g)).toThrow(FlashStateError);
    // Refused means untouched: the user's state is not replaced, no temporary file is left.
    expect(readdirSync(dir).sort()).toEqual(['flash.log', 'flash.snap']);
    expect(readFileSync(snap).equals(b)).toBe(true);
    expect(readFileSync(join(dir, 'flash.log')).equals(log)).toBe(true);
  });

  it('a log cut at any byte reopens as the flash after some prefix of the operations (property, seeded)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), (ops, cutFrac) => {
        const dir = tempDir('persist-prop');
        const p = PersistentFlash.open(dir, g, { compactAfterBytes: 1 << 30 });
        // Contents and write-once flags: a unit replayed as erased that was written would take a second write.
        const state = (f: SimFlash): Buffer => {
          const snap = f.snapshot();
          return Buffer.concat([snap.contents, snap.written]);
        };
        const states = [state(p.flash)];
        for (const op of ops) {
          apply(p.flash, op);
          states.push(state(p.flash));
        }
        const log = join(dir, 'flash.log');
        truncateSync(log, Math.floor(statSync(log).size * cutFrac));
        const q = PersistentFlash.open(dir, g);
        const got = state(q.flash);
        expect(states.some((s) => s.equals(got))).toBe(true);
        q.close();
      }),
      { seed: 0x1234, numRuns: 60 },
    );
  });
});
