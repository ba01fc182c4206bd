/**
 * HSS private keys and stateful signing (RFC 8554 §6.1-6.2). A key is L levels of LMS trees; each
 * level below the top is signed by a one-time key of the level above, and the bottom level signs
 * messages. The state is, per level: parameter set, identifier I, SEED (Appendix A derives every
 * one-time key from it), the next unused leaf q, the level's LMS public key and (below the top)
 * the signature of that public key by the level above.
 *
 * Never reusing a one-time key: `HssSigner.sign` first works out the next state (the leaf it takes
 * is marked used; an exhausted lower tree is replaced by a fresh one, signed with the next leaf of
 * its parent), hands that state to `persist` — which must have it on stable storage when it
 * returns — and only then computes the signature. A signer killed at any point has either not
 * persisted (no signature existed outside its memory) or persisted a state in which the leaf is
 * already used. hss-file.ts persists to the key file with fsync.
 *
 * State encoding (the `.hss` key file holds it, armoured): CBOR {1: 1 (format), 2: [+ [lms type,
 * LM-OTS type, I, SEED, next q, LMS public key, signature by the level above or null]]}.
 */
import { randomBytes } from 'node:crypto';
import { decodeCbor } from '../suit/cbor/decode.js';
import { encodeCbor, type CborValue } from '../suit/cbor/encode.js';
import { LmsTree, u32 } from './lms-sign.js';
import { lmsType, otsType, lmsPublicKeyLength, lmsSignatureLength, type LevelSpec } from './lms-types.js';
import type { HssPrivateKey } from './types.js';

export const HSS_MAX_LEVELS = 8;
/** Trees above this height take too long to compute in full (2^h one-time public keys). */
export const HSS_MAX_SIGNING_HEIGHT = 15;

export interface HssLevel {
  spec: LevelSpec;
  id: Uint8Array;
  seed: Uint8Array;
  /** Next unused leaf. */
  next: number;
  /** This level's LMS public key. */
  publicKey: Uint8Array;
  /** Below the top: the LMS signature of publicKey by the level above. */
  signature?: Uint8Array;
}

export interface HssState {
  levels: HssLevel[];
}

export class HssKeyError extends Error {
  override name = 'HssKeyError';
}

type Random = (n: number) => Uint8Array;
const systemRandom: Random = (n) => new Uint8Array(randomBytes(n));

/** The HSS public key: u32str(L) || the top level's LMS public key. */
export function hssPublicKey(state: HssState): Uint8Array {
  const top = state.levels[0]!.publicKey;
  const out = new Uint8Array(4 + top.length);
  out.set(u32(state.levels.length));
  out.set(top, 4);
  return out;
}

/** One-time signatures left before the key is exhausted. */
export function hssRemaining(state: HssState): bigint {
  // Leaves left at each level, counted from the top: the bottom's own, plus whole subtrees per parent leaf.
  let left = 0n;
  for (const l of state.levels) left = left * 2n ** BigInt(l.spec.lms.h) + BigInt(2 ** l.spec.lms.h - l.next);
  return left;
}

/** Throws unless suitrig can make and sign with keys of these levels. */
export function checkHssLevels(specs: readonly LevelSpec[]): void {
  if (specs.length < 1 || specs.length > HSS_MAX_LEVELS) throw new HssKeyError(`an HSS key has 1 to ${HSS_MAX_LEVELS} levels, not ${specs.length}`);
  for (const s of specs) {
    if (s.lms.h > HSS_MAX_SIGNING_HEIGHT) throw new HssKeyError(`tree height ${s.lms.h}: suitrig signs with trees of height ${HSS_MAX_SIGNING_HEIGHT} at most (the whole tree is computed)`);
    if (s.lms.m !== s.ots.n) throw new HssKeyError('the LMS and LM-OTS hash sizes of a level must match (SP 800-208)');
  }
}

/** Keeps each level's tree once computed (a tree is a function of spec, I and SEED). */
class Trees {
  private readonly cache = new Map<string, LmsTree>();

  of(level: HssLevel): LmsTree {
    const key = Buffer.from(level.id).toString('hex');
    let t = this.cache.get(key);
    if (!t) {
      t = new LmsTree(level.spec, level.id, level.seed);
      this.cache.set(key, t);
    }
    return t;
  }
}

/** A fresh level, signed (if it has a parent) with the parent's next leaf, which this consumes. */
function freshLevel(spec: LevelSpec, parent: HssLevel | undefined, trees: Trees, random: Random): HssLevel {
  const level: HssLevel = { spec, id: random(16), seed: random(spec.ots.n), next: 0, publicKey: new Uint8Array(0) };
  level.publicKey = trees.of(level).publicKey();
  if (parent) {
    const q = parent.next++;
    level.signature = trees.of(parent).sign(q, level.publicKey, random(parent.spec.ots.n));
  }
  return level;
}

/** A new HSS key with the given levels (top first); `trees` keeps the trees it computed. */
export function generateHssState(specs: readonly LevelSpec[], random: Random = systemRandom, trees = new Trees()): HssState {
  checkHssLevels(specs);
  const levels: HssLevel[] = [];
  for (const spec of specs) levels.push(freshLevel(spec, levels.at(-1), trees, random));
  return { levels };
}

function cloneLevel(l: HssLevel): HssLevel {
  return { ...l };
}

export class HssSigner {
  /**
   * `persist(next)` must put the state on stable storage before it returns (or throw: then no
   * signature is made). It is called once per signature, before the signature is computed.
   */
  constructor(
    private state: HssState,
    private readonly persist: (next: HssState) => void,
    private readonly random: Random = systemRandom,
    private readonly trees = new Trees(),
  ) {}

  /** A signer of a new key, keeping the trees its generation computed. */
  static generate(specs: readonly LevelSpec[], persist: (next: HssState) => void, random: Random = systemRandom): HssSigner {
    const trees = new Trees();
    return new HssSigner(generateHssState(specs, random, trees), persist, random, trees);
  }

  get current(): HssState {
    return this.state;
  }

  /** Level d (>= 1) is exhausted: a fresh tree replaces it, signed by its parent (renewed first if it is exhausted too). */
  private renew(levels: HssLevel[], d: number): void {
    const parent = levels[d - 1]!;
    if (parent.next >= 2 ** parent.spec.lms.h) {
      if (d - 1 === 0) throw new HssKeyError('the HSS key is exhausted: every one-time key of its top tree has been used');
      this.renew(levels, d - 1);
    }
    levels[d] = freshLevel(levels[d]!.spec, levels[d - 1], this.trees, this.random);
  }

  /** The HSS signature of `message` (RFC 8554 §6.2) with the next unused one-time key. */
  sign(message: Uint8Array): Uint8Array {
    const levels = this.state.levels.map(cloneLevel);
    const b = levels.length - 1;
    if (levels[b]!.next >= 2 ** levels[b]!.spec.lms.h) {
      if (b === 0) throw new HssKeyError('the HSS key is exhausted: every one-time key has been used');
      this.renew(levels, b);
    }
    const leaf = levels[b]!.next++;
    const next = { levels };
    this.persist(next);
    this.state = next;
    const parts: Uint8Array[] = [u32(b)];
    for (let i = 1; i <= b; i++) parts.push(levels[i]!.signature!, levels[i]!.publicKey);
    parts.push(this.trees.of(levels[b]!).sign(leaf, message, this.random(levels[b]!.spec.ots.n)));
    return new Uint8Array(Buffer.concat(parts));
  }
}

/**
 * A signing key whose state lives in this process only — for test rigs and suites, whose keys die
 * with the process. Its one-time keys are never reused within the process; a new process with the
 * same `random` (a seeded suite replay) makes the same key again and starts over at leaf 0, so such
 * a key must sign nothing but the run's own updates.
 */
export function volatileHssKey(specs: readonly LevelSpec[], source: string, random: Random = systemRandom): HssPrivateKey {
  const signer = HssSigner.generate(specs, () => undefined, random);
  return { family: 'hss-lms', publicKey: { family: 'hss-lms', raw: hssPublicKey(signer.current) }, source, sign: (m) => signer.sign(m) };
}

// ---- encoding ----

export function encodeHssState(state: HssState): Uint8Array {
  const levels = state.levels.map((l) => [l.spec.lms.code, l.spec.ots.code, l.id, l.seed, l.next, l.publicKey, l.signature ?? null] as CborValue[]);
  return encodeCbor(new Map<CborValue, CborValue>([[1, 1], [2, levels]]));
}

function bytesField(v: unknown, len: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== len) throw new HssKeyError(`${what} is not ${len} bytes`);
  return new Uint8Array(v);
}

export function decodeHssState(bytes: Uint8Array): HssState {
  let v: unknown;
  try {
    v = decodeCbor(bytes, 'HSS key state');
  } catch (e) {
    throw new HssKeyError(`not an HSS key state (${(e as Error).message})`);
  }
  if (!(v instanceof Map) || v.get(1) !== 1 || !Array.isArray(v.get(2))) throw new HssKeyError('not an HSS key state of format 1');
  const raw = v.get(2) as unknown[];
  if (raw.length < 1 || raw.length > HSS_MAX_LEVELS) throw new HssKeyError(`an HSS key has 1 to ${HSS_MAX_LEVELS} levels, not ${raw.length}`);
  const specs = raw.map((e, i): LevelSpec => {
    if (!Array.isArray(e) || e.length !== 7) throw new HssKeyError(`level ${i}: malformed`);
    const lms = lmsType(Number(e[0]));
    const ots = otsType(Number(e[1]));
    if (!lms || !ots) throw new HssKeyError(`level ${i}: unknown LMS / LM-OTS type ${String(e[0])} / ${String(e[1])}`);
    return { lms, ots };
  });
  checkHssLevels(specs);
  const levels = (raw as unknown[][]).map((e, i): HssLevel => {
    const what = `level ${i}`;
    const spec = specs[i]!;
    const next = Number(e[4]);
    if (!Number.isInteger(next) || next < 0 || next > 2 ** spec.lms.h) throw new HssKeyError(`${what}: leaf counter ${String(e[4])} out of range`);
    const level: HssLevel = {
      spec,
      id: bytesField(e[2], 16, `${what} I`),
      seed: bytesField(e[3], spec.ots.n, `${what} SEED`),
      next,
      publicKey: bytesField(e[5], lmsPublicKeyLength(spec.lms), `${what} public key`),
    };
    // Below the top: signed by the level above, so its length follows that level's types.
    if (i > 0) level.signature = bytesField(e[6], lmsSignatureLength(specs[i - 1]!), `${what} signature`);
    return level;
  });
  return { levels };
}
