/**
 * Fuzzing of the SUIT processor through the real .wasm (release and checked builds): random but
 * validly MACed manifests built from the command grammar (nested try-each / run-sequence,
 * random parameters, component indices, some malformed arguments), run with random platform
 * facts and random payload supply (right bytes, wrong bytes, too many, odd chunks, failed
 * fetches); a third of them carry an integrated dependency built the same way, nested up to five
 * levels (one more than the core takes), with the components' identifiers shared across levels. Properties: no trap, no hang, a defined reason, memory fixed at 256 KiB, a SUIT_Report
 * for every run, and no accepted run with a failed directive (fetch, write, copy, invoke).
 * Seed printed; SUITRIG_FUZZ_SEED replays, SUITRIG_FUZZ_RUNS lengthens (`npm run fuzz:processor`).
 */
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, REASON_NAMES, SuitProcessor, uuidBytes, type RunOptions, type RunResult } from '../../host/verifier/index.js';
import { MAC_KEY } from '../vectors/corpus.js';
import { Rng, fuzzRuns, fuzzSeed } from '../core/fuzz-tools.js';
import { cbor, decoder, sha256, buildEnvelope, manifestDigestOf } from '../core/envelope-builder.js';

const seed = fuzzSeed();
const HANG_MS = 2000;
const limit = (runs: number): number => Math.max(60_000, runs * 10);
const VENDOR = Buffer.from('fa6b4a53d5ad5fdfbe9de663e4d41ffe', 'hex');
const CLASS = Buffer.from('1492af1425695e48bf429b2d51f2ab45', 'hex');
const device = { vendorIds: [uuidBytes('fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe')], classIds: [uuidBytes('1492af14-2569-5e48-bf42-9b2d51f2ab45')] };
const CONDITIONS = [1, 2, 3, 4, 5, 6, 7, 8, 14, 24, 25, 26, 27, 28];
const POLICY_DIRECTIVES = [11, 18, 21, 22, 23, 29, 31, 33];

class Gen {
  readonly payloads: Buffer[];
  /** When set, the envelope gets one malformed or unsupported item somewhere. */
  private bad: boolean;
  /** The manifest has a dependency slot after its components (index ncomp). */
  private dependency = false;
  constructor(private readonly rng: Rng, readonly ncomp: number) {
    this.bad = rng.int(8) === 0;
    this.payloads = [0, 1, 2].map((i) => Buffer.from(rng.bytes(1 + rng.int(i === 2 ? 70000 : 3000))));
  }
  /** Spends the envelope's one defect here, with probability 1/8 per call. */
  private defect(): boolean {
    if (!this.bad || this.rng.int(8) !== 0) return false;
    this.bad = false;
    return true;
  }
  index(): unknown {
    if (this.defect()) return this.ncomp + this.rng.int(3); // out of range
    const r = this.rng.int(10);
    if (r === 0) return true;
    if (r === 1) return [this.rng.int(this.ncomp), this.rng.int(this.ncomp)];
    return this.rng.int(this.ncomp);
  }
  param(key: number): unknown {
    const rng = this.rng;
    const p = rng.pick(this.payloads);
    switch (key) {
      case 1: return rng.int(4) ? VENDOR : Buffer.from(rng.bytes(16));
      case 2: return rng.int(4) ? CLASS : Buffer.from(rng.bytes(16));
      case 3: return cbor([rng.int(8) ? -16 : -18, rng.int(6) ? sha256(p) : Buffer.from(rng.bytes(32))]);
      case 4: return rng.int(2) ? 4102444800 : 1000;
      case 5: return rng.int(2);
      case 13: case 12: return rng.int(2) === 1;
      case 14: return rng.int(5) ? p.length : rng.int(100000);
      case 18: return Buffer.from(rng.bytes(rng.int(40)));
      case 21: return rng.int(3) ? `https://fw/${this.payloads.indexOf(p)}` : '#integrated';
      case 22: return rng.int(this.ncomp + 1);
      case 23: return Buffer.from('args');
      case 26: return rng.int(100);
      case 27: return rng.int(5) - 2;
      case 28: return cbor([1 + rng.int(5), [rng.int(3), rng.int(3)]]);
      case 29: return cbor(new Map([[1, -1]]));
      default: return 0;
    }
  }
  /** soft-failure (13) only where it is allowed: inside try-each / run-sequence. */
  params(depth = 0): Map<number, unknown> {
    const pool = depth > 0 ? [1, 2, 3, 4, 5, 13, 14, 18, 21, 22, 23, 26, 27, 28, 29] : [1, 2, 3, 4, 5, 14, 18, 21, 22, 23, 26, 27, 28, 29];
    const keys = [...new Set(Array.from({ length: 1 + this.rng.int(4) }, () => this.rng.pick(pool)))].sort((a, b) => a - b);
    return new Map(keys.map((k) => [k, this.param(k)]));
  }
  /** The usual update: select a component, set uri / digest / size of a pool payload, fetch, check. */
  fetchPrefix(): unknown[] {
    const c = this.rng.int(this.ncomp);
    const i = this.rng.int(this.payloads.length);
    const p = this.payloads[i]!;
    return [12, c, 20, new Map<number, unknown>([[3, cbor([-16, sha256(p)])], [14, p.length], [21, `https://fw/${i}`]]), 21, 2, 3, 15];
  }
  sequence(depth: number, shared: boolean): Buffer {
    const items: unknown[] = [];
    if (!shared && depth === 0 && this.rng.int(2) === 0) items.push(...this.fetchPrefix());
    else if (this.ncomp > 1 || this.dependency || this.rng.int(3) === 0) items.push(12, this.index());
    const n = 1 + this.rng.int(6);
    for (let i = 0; i < n; i++) {
      let r = this.rng.int(shared ? 10 : 16);
      if ((r === 7 || r === 8) && depth >= 3) r = 3;
      if (r < 3) items.push(20, this.params(depth));
      else if (r < 6) items.push(this.rng.pick(CONDITIONS), this.rng.int(16));
      else if (r === 6) items.push(12, this.index());
      else if (r === 7 && depth < 3) items.push(15, [...Array.from({ length: 1 + this.rng.int(3) }, () => this.sequence(depth + 1, shared)), ...(this.rng.int(3) ? [] : [null])]);
      else if (r === 8 && depth < 3) items.push(32, this.sequence(depth + 1, shared));
      else if (r === 9) items.push(19, this.params(depth));
      else if (r === 10) items.push(34, new Map([[this.rng.int(this.ncomp), this.params(depth)]]));
      else if (r === 11) items.push(35, new Map([[this.rng.int(this.ncomp), [3, 14, 21]]]));
      else items.push(this.rng.pick(POLICY_DIRECTIVES), this.rng.int(16));
      if (this.defect()) items.push(this.rng.pick([-300, 99, 16, 20]), this.rng.pick([3, 'x', new Map([[77, 1]])])); // unknown command / bad argument
    }
    return cbor(items);
  }
  envelope(level = 0): Uint8Array {
    const comps = Array.from({ length: this.ncomp }, (_, i) => [Buffer.from([i])]);
    const child = level < 4 && this.rng.int(3) === 0 ? new Gen(this.rng, 1 + this.rng.int(3)).envelope(level + 1) : undefined;
    this.dependency = child !== undefined;
    const common = new Map<number, unknown>();
    if (child) common.set(1, new Map([[this.ncomp, new Map(this.rng.int(2) ? [[1, [Buffer.from(`dep${level}`)]]] : [])]]));
    // Half the manifests of a dependency tree check only the identity in their shared sequence, so
    // that runs get past it into the dependencies more often.
    const plainShared = (child || level > 0) && this.rng.int(2) === 0;
    common.set(2, comps).set(4, plainShared ? cbor([12, true, 20, new Map<number, unknown>([[1, VENDOR], [2, CLASS]]), 1, 15, 2, 15]) : this.sequence(0, true));
    const m = new Map<number, unknown>([[1, 1], [2, this.rng.int(5)], [3, cbor(common)]]);
    // Fetch the dependency from the envelope, check it, process it (trust-domains §6.1), first
    // thing in the section, so that random commands before it do not keep it from running.
    const take = child && [12, this.ncomp, 20, new Map<number, unknown>([[3, cbor([-16, manifestDigestOf(child)])], [21, '#dep']]), 21, 2, 7, 15, 11, 15];
    for (const key of [7, 9, 16, 20]) {
      if (!this.rng.int(3)) continue;
      const seq = this.sequence(0, false);
      m.set(key, take && this.rng.int(2) ? cbor([...take, ...(decoder.decode(seq) as unknown[])]) : seq);
    }
    const integrated: [string, Uint8Array][] = this.rng.int(2) ? [['#integrated', this.rng.pick(this.payloads)]] : [];
    if (child) integrated.unshift(['#dep', child]);
    return buildEnvelope({ manifest: m, signers: [{ alg: 5, secret: (MAC_KEY.key as { secret: Uint8Array }).secret }], integrated });
  }
}

describe.each(['release', 'checked'] as const)('fuzz the processor (%s core)', (variant) => {
  const runs = fuzzRuns(variant === 'release' ? 400 : 150);

  it(`random command sequences in MACed manifests: no trap, no hang, fixed memory (seed ${seed}, ${runs} runs)`, () => {
    console.log(`fuzz:processor ${variant}: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed}), ${runs} runs`);
    const rng = new Rng(seed);
    const reasons = new Map<string, number>();
    const details = new Map<string, number>();
    let suspensions = 0;
    let slowest = 0;
    let wellFormed = 0;
    for (let i = 0; i < runs; i++) {
      const gen = new Gen(rng, 1 + rng.int(4));
      const env = gen.envelope();
      const platform = new MemoryPlatform({
        slots: { "[h'00']": BigInt(rng.int(2)) },
        versions: { "[h'00']": [1n, BigInt(rng.int(3))] },
        batteryMwh: BigInt(rng.int(100)),
        now: 2000000000n,
        authorizeUpTo: BigInt(rng.int(3) - 1),
        invoke: rng.pick(['returned', 'returned', 'handed-off', 'failed'] as const),
        ...(rng.int(5) === 0 ? { failWriteAt: rng.int(3) } : {}),
      });
      const p = new SuitProcessor(platform, { variant });
      const opts: RunOptions = { trust: [MAC_KEY], device, sequences: rng.pick(['update', 'invoke', ['install', 'validate', 'invoke']] as const) };
      const t0 = performance.now();
      let r: RunResult = p.run(env, opts);
      let steps = 0;
      while (r.status === 'pending') {
        suspensions++;
        if (++steps > 50) throw new Error(`more than 50 fetches in one run (seed ${seed}, run ${i})`);
        const choice = rng.int(6);
        if (choice === 0) {
          r = p.failFetch();
          continue;
        }
        const wanted = Number(r.fetch.uri.split('/').pop());
        const bytes = choice === 1 ? Buffer.from(rng.bytes(rng.int(5000))) : (gen.payloads[wanted] ?? gen.payloads[0]!);
        const chunk = 1 + rng.int(9000);
        for (let off = 0; off < bytes.length && r.status === 'pending'; off += chunk) r = p.supply(bytes.subarray(off, off + chunk));
        if (choice === 2 && r.status === 'pending') r = p.supply(new Uint8Array(3));
        if (r.status === 'pending') r = p.endFetch();
      }
      slowest = Math.max(slowest, performance.now() - t0);
      expect(REASON_NAMES).toContain(r.reason);
      expect(p.core.exports.memory.buffer.byteLength).toBe(256 * 1024);
      if (r.manifest) wellFormed++;
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      details.set(r.detail, (details.get(r.detail) ?? 0) + 1);
      // A failed directive aborts the run (§6.4): an accepted run has none.
      if (r.accepted && r.status === 'done') {
        const hardFailures = r.records.filter((x) => x.outcome === 'failed' && (x.command === 21 || x.command === 18 || x.command === 22 || x.command === 23));
        expect(hardFailures, `directive failed in an accepted run (seed ${seed}, run ${i})`).toEqual([]);
      }
      r.report(); // always encodable
    }
    console.log(`fuzz:processor ${variant}: ${runs} runs, ${wellFormed} well-formed manifests, ${suspensions} suspensions, slowest ${slowest.toFixed(1)} ms, reasons ${JSON.stringify(Object.fromEntries(reasons))}`);
    console.log(`fuzz:processor ${variant}: details ${JSON.stringify(Object.fromEntries(details))}`);
    expect(slowest).toBeLessThan(HANG_MS);
  }, limit(runs));
});
