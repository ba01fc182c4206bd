/**
 * A seeded fuzzer of the virtual board's device-facing side (DESIGN.md "Wire protocol"; groups
 * 0, 1, 66, 67): random and mutated SMP requests — well-formed requests with wild field values
 * (huge offsets and lengths, wrong types, bigints, floats), dropped and unknown fields, CBOR
 * re-encoded with indefinite lengths, byte-level mutations, random bytes, deep nesting —
 * interleaved with stateful stories (a SUIT update in chunks, an image-group upload and test
 * swap, a raw cache upload) whose requests are themselves mutated now and then. Most requests go
 * through SmpServer.answer (what the server does with a packet); a few through the paired serial
 * link as framed packets (buffer-size limits, framing).
 *
 * What it watches, after every request: the server answered with a map (never threw) or the
 * link dropped the packet; the board reported no internal error (a handler, a reboot or an
 * after-response action that threw); no flash operation broke a flash rule; every boot that
 * ends in a running application runs an image its SUIT manifest or a trusted MCUboot signature
 * vouches for. At the end the board's model is set back to honest and it is reset: it runs a
 * verified image (or waits in recovery, when serial recovery wrote an image it refuses), and it
 * still takes a fresh signed SUIT update and boots it.
 *
 * Deliberately broken board models (quirks never-revert, skip-signature) are not fuzzed: they
 * exist to break that property; nor are crashing images signed with a trusted key, which an
 * operator may legitimately make permanent (image state write), after which MCUboot boot-loops
 * by design (never-confirms images exercise the revert path instead). The rig group's power
 * cuts are fuzzed: the harness powers the board back on when one strikes.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { publicKeyFromObject, type PrivateKey, type SymmetricKey } from '../../host/keys/index.js';
import { runUpdate } from '../../host/operator/update.js';
import { createImage, parseVersion, verifyImage } from '../../host/mcuboot/index.js';
import { encodeCbor, type SmpMap, type SmpValue } from '../../host/smp/cbor.js';
import type { SmpClient } from '../../host/smp/client.js';
import { encodePacket, Op, type OpCode, type SmpHeader, type SmpPacket } from '../../host/smp/header.js';
import { GroupId, ImageCmd, OsCmd, RigCmd, SuitCmd } from '../../host/smp/ids.js';
import { FlashError } from '../../rig/virtual/flash/index.js';
import { VirtualBoard, type BoardEvent } from '../../rig/virtual/board/board.js';
import { imageLength } from '../../rig/virtual/bootloader/index.js';
import { policyIdentity } from '../../rig/virtual/suit/trust.js';
import { mutate, Rng } from '../core/fuzz-tools.js';
import { anchor, APP_URI, app, envelope, identity, otherVendor, profile as fixtureProfile } from './fixtures.js';

export interface BoardFuzzOptions {
  seed: number;
  requests: number;
  /** Progress and figures. */
  log?: (line: string) => void;
}

export interface BoardFuzzReport {
  seed: number;
  requests: number;
  /** Requests sent through the framed link, and how many of those the board did not answer. */
  viaLink: number;
  linkUnanswered: number;
  /** Answers by outcome: ok, rc N, group G err N. */
  outcomes: Record<string, number>;
  stories: number;
  powerCuts: number;
  boots: number;
  flashOps: number;
  /** Broken invariants: each names the request (index, how it was made) and what went wrong. */
  failures: string[];
  final?: { state: string; verified: string; freshUpdate: string };
}

interface Req {
  op: OpCode;
  version: 1 | 2;
  group: number;
  command: number;
  payload: Uint8Array;
  how: string;
}

const SLOW = [2 ** 31, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
/** Field values that have broken parsers before: limits, wrong types, non-integers. */
const WILD: SmpValue[] = [0, 1, -1, 3, 255, 256, 4096, 65535, 65536, ...SLOW, 2n ** 63n, 2n ** 64n - 1n, -(2n ** 63n), 0.5, 1e300, NaN, Infinity, '', 'x', true, false, null, new Uint8Array(0), [], {}];

/** 32 bytes derived from the seed: keys that replay with it. */
function seedBytes(seed: number, what: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`suitrig board fuzz ${what} ${seed}`).digest());
}

/** An Ed25519 key from 32 seed bytes (PKCS #8: RFC 8410 prefix + seed); Ed25519 signatures are deterministic. */
function ed25519Key(seed: Uint8Array): PrivateKey {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  return { family: 'ed25519', key, publicKey: publicKeyFromObject(createPublicKey(key), 'fuzz key') };
}

/** Keys, envelopes and images made from the seed (HMAC and Ed25519 only), so a seed replays exactly. */
interface Pool {
  hmac: SymmetricKey;
  ed25519: PrivateKey;
  envelopes: { name: string; bytes: Uint8Array; payload: Uint8Array }[];
  images: { name: string; bytes: Uint8Array }[];
  caches: Uint8Array[];
}

function makePool(seed: number): Pool {
  const hmac: SymmetricKey = { family: 'hmac', secret: seedBytes(seed, 'hmac') };
  const stranger: SymmetricKey = { family: 'hmac', secret: seedBytes(seed, 'other hmac') };
  const ed25519 = ed25519Key(seedBytes(seed, 'ed25519'));
  const size = 6000;
  const p = (v: string, b: Parameters<typeof app>[1] = 'healthy') => app(v, b, size);
  const v2 = p('1.1.0');
  const other = p('1.2.0');
  const nc = p('1.3.0', 'never-confirms');
  const v1 = p('1.0.5');
  const envs = [
    { name: 'seq2 healthy', bytes: envelope({ sequence: 2, payload: v2, key: hmac }), payload: v2 },
    { name: 'seq4 never-confirms', bytes: envelope({ sequence: 4, payload: nc, key: hmac }), payload: nc },
    { name: 'seq5 integrated', bytes: envelope({ sequence: 5, payload: v2, integrated: true, key: hmac }), payload: v2 },
    { name: 'seq1 rollback', bytes: envelope({ sequence: 1, payload: v1, key: hmac }), payload: v1 },
    { name: 'untrusted signer', bytes: envelope({ sequence: 6, payload: v2, key: stranger }), payload: v2 },
    { name: 'other vendor', bytes: envelope({ sequence: 7, payload: v2, vendor: otherVendor, key: hmac }), payload: v2 },
    { name: 'wrong digest', bytes: envelope({ sequence: 8, payload: v2, digestOf: other, key: hmac }), payload: v2 },
  ];
  const img = (v: string, b: Parameters<typeof app>[1], key: PrivateKey, counter = 1) => createImage(p(v, b), { key, version: parseVersion(v), securityCounter: counter });
  // The board's rollback floor for MCUboot images is the stored SUIT sequence number too: SEC_CNT 5
  // reaches every sequence the pool's accepted manifests leave; SEC_CNT 1 falls below it after one.
  const images = [
    { name: 'mcuboot 3.0.0 healthy', bytes: img('3.0.0', 'healthy', ed25519, 5) },
    { name: 'mcuboot 2.9.0 older counter', bytes: img('2.9.0', 'healthy', ed25519, 1) },
    { name: 'mcuboot 3.2.0 untrusted', bytes: img('3.2.0', 'healthy', ed25519Key(seedBytes(seed, 'untrusted ed25519'))) },
    { name: 'random bytes', bytes: Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff) },
  ];
  const cacheMap = (indefinite: boolean) => {
    const body = encodeCbor({ [APP_URI]: v2 });
    if (!indefinite) return body;
    return Uint8Array.from([0xbf, ...body.subarray(1), 0xff]);
  };
  return { hmac, ed25519, envelopes: envs, images, caches: [cacheMap(false), cacheMap(true)] };
}

/** CBOR with indefinite-length maps and arrays (what Zephyr encoders write). */
function encodeIndefinite(v: SmpValue): Uint8Array {
  if (Array.isArray(v)) return Uint8Array.from([0x9f, ...v.flatMap((x) => [...encodeIndefinite(x)]), 0xff]);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Uint8Array.from([0xbf, ...Object.entries(v).flatMap(([k, x]) => [...encodeCbor(k), ...encodeIndefinite(x)]), 0xff]);
  }
  return encodeCbor(v);
}

/** Arrays nested `depth` deep around a map: the decoder's depth bound. */
function deep(depth: number): Uint8Array {
  return Uint8Array.from([0xa1, 0x61, 0x64, ...new Array<number>(depth).fill(0x81), 0x00]);
}

class Requests {
  /** The current missing-image session, as the board last answered it. */
  session = 1;
  constructor(
    private readonly rng: Rng,
    private readonly pool: Pool,
  ) {}

  wild(): SmpValue {
    const r = this.rng;
    switch (r.int(4)) {
      case 0:
        return r.pick(WILD);
      case 1:
        return r.u32() % (1 << (1 + r.int(31)));
      case 2:
        return r.bytes(r.int(64));
      default:
        return r.pick(['healthy', 'crashes', 'accept-rollback', 'never-revert-x', 'ab', 'a'.repeat(300)]);
    }
  }

  data(max = 2000): Uint8Array {
    const r = this.rng;
    // Now and then larger than any buf_size: the handler must bound it, not the link alone.
    return r.int(40) === 0 ? r.bytes(70_000) : r.bytes(r.int(max));
  }

  /** A request body that makes sense for (group, command), with plausible values. */
  template(group: number, command: number): SmpMap {
    const r = this.rng;
    const off = () => r.pick([0, 0, r.int(8000), r.pick(SLOW)]);
    const len = () => r.pick([r.int(10_000), 6000, 1 + r.int(100), r.pick(SLOW), 0]);
    switch (group) {
      case GroupId.OS:
        if (command === OsCmd.ECHO) return { d: 'fuzz'.repeat(r.int(4)) };
        if (command === OsCmd.RESET) return r.int(2) ? {} : { boot_mode: r.pick([0, 1, 2]) };
        if (command === OsCmd.INFO) return { format: r.pick(['a', 's', 'xyz', 'snrvbmpio']) };
        if (command === OsCmd.BOOTLOADER_INFO) return r.int(2) ? {} : { query: r.pick(['mode', 'other']) };
        return {};
      case GroupId.IMAGE:
        if (command === ImageCmd.STATE) return r.int(2) ? {} : { hash: r.bytes(r.pick([32, 31, 0])), confirm: r.int(2) === 0 };
        if (command === ImageCmd.UPLOAD) {
          const data = this.data();
          return r.int(2) ? { off: 0, len: len(), data, sha: r.bytes(32), ...(r.int(3) === 0 ? { upgrade: true } : {}), ...(r.int(4) === 0 ? { image: r.int(3) } : {}) } : { off: off(), data };
        }
        if (command === ImageCmd.ERASE) return r.int(2) ? {} : { slot: r.pick([0, 1, 2, 3, 2 ** 32 + 1, r.u32()]) };
        return {};
      case GroupId.SUIT:
        if (command === SuitCmd.MANIFEST_STATE) return { role: r.pick([0x20, 0x21, 0]) };
        if (command === SuitCmd.ENVELOPE_UPLOAD) return r.int(2) ? { off: 0, len: len(), data: this.data() } : { off: off(), data: this.data() };
        if (command === SuitCmd.MISSING_IMAGE_UPLOAD) {
          const sid = r.pick([this.session, this.session, this.session + 1, 0, r.u32()]);
          return r.int(2) ? { stream_session_id: sid, off: 0, len: len(), data: this.data() } : { stream_session_id: sid, off: off(), data: this.data() };
        }
        if (command === SuitCmd.CACHE_RAW_UPLOAD) return r.int(2) ? { target_id: r.pick([0, 0, 1]), off: 0, len: len(), data: this.data() } : { off: off(), data: this.data() };
        return {};
      case GroupId.RIG:
        if (command === RigCmd.ARM_FAULT) {
          const link = r.int(4) === 0 ? { link: { drop: r.pick([0, 0.5, 2]), corrupt: 0 } } : {};
          return { ...(r.int(2) ? { power_cut_before_op: r.int(60) } : {}), ...link, seed: r.u32() };
        }
        // Honest models only (see the header): rollback acceptance and app behaviours of images without a header.
        if (command === RigCmd.BOARD_MODEL) return { ...(r.int(2) ? { quirks: r.pick([[], ['accept-rollback'], ['x']]) } : {}), ...(r.int(2) ? { app_default: r.pick(['healthy', 'never-confirms', 'nope']) } : {}) };
        return {};
      default:
        return {};
    }
  }

  /** Bends a body: wild values, dropped or unknown fields. */
  bend(body: SmpMap): SmpMap {
    const r = this.rng;
    const out: SmpMap = { ...body };
    const keys = Object.keys(out);
    for (let n = 1 + r.int(2); n > 0; n--) {
      const k = keys.length ? r.pick(keys) : 'off';
      const what = r.int(4);
      if (what === 0) delete out[k];
      else if (what === 1) out[r.pick(['off', 'len', 'data', 'sha', 'image', 'upgrade', 'slot', 'stream_session_id', 'target_id', 'role', 'quirks', 'zz'])] = this.wild();
      else out[k] = this.wild();
    }
    return out;
  }

  /** Picks a group, command and op; mostly the ones that exist. */
  random(): Req {
    const r = this.rng;
    const group = r.int(20) === 0 ? r.int(100) : r.pick([GroupId.OS, GroupId.IMAGE, GroupId.SUIT, GroupId.RIG]);
    const commands: Record<number, number[]> = {
      [GroupId.OS]: [0, 0, 5, 6, 7, 8, 1],
      [GroupId.IMAGE]: [0, 1, 1, 1, 5, 6, 2],
      [GroupId.SUIT]: [0, 1, 2, 2, 3, 4, 4, 5, 6, 7],
      [GroupId.RIG]: [0, 1, 8, 9, 2],
    };
    const command = r.int(15) === 0 ? r.int(256) : r.pick(commands[group] ?? [0]);
    const op = r.int(6) === 0 ? (r.int(2) ? Op.READ : Op.WRITE) : command === 0 && group !== GroupId.OS ? Op.READ : Op.WRITE;
    let body = this.template(group, command);
    let how = `${group}/${command}`;
    let payload: Uint8Array;
    switch (r.int(8)) {
      case 0:
      case 1:
        payload = encodeCbor(body);
        break;
      case 2:
      case 3:
        body = this.bend(body);
        how += ' bent';
        payload = encodeCbor(body);
        break;
      case 4:
        how += ' indefinite';
        payload = encodeIndefinite(r.int(2) ? this.bend(body) : body);
        break;
      case 5: {
        how += ' mutated';
        payload = encodeCbor(body);
        for (let k = 1 + r.int(3); k > 0; k--) payload = mutate(r, payload, [payload]);
        break;
      }
      case 6:
        how += ' random bytes';
        payload = r.bytes(r.int(40));
        break;
      default:
        how += ' deep';
        payload = deep(r.pick([15, 16, 17, 64, 5000]));
    }
    return { op, version: r.int(5) === 0 ? 1 : 2, group, command, payload, how };
  }

  /** Requests that walk the board through real work, now and then bent. */
  *story(): Generator<Req, void, SmpMap> {
    const r = this.rng;
    const req = (group: number, command: number, body: SmpMap, how: string, op: OpCode = Op.WRITE): Req => {
      if (r.int(8) === 0) return { op, version: 2, group, command, payload: encodeCbor(this.bend(body)), how: `${how} bent` };
      return { op, version: 2, group, command, payload: r.int(4) === 0 ? encodeIndefinite(body) : encodeCbor(body), how };
    };
    const chunked = function* (bytes: Uint8Array, body: (off: number, chunk: Uint8Array) => SmpMap, group: number, command: number, how: string): Generator<Req, void, SmpMap> {
      const size = 200 + r.int(1800);
      for (let off = 0; off < bytes.length; ) {
        const chunk = bytes.subarray(off, off + size);
        const a = yield req(group, command, body(off, chunk), `${how} @${off}`);
        if (r.int(25) === 0) return; // abandoned midway
        off = typeof a['off'] === 'number' && a['off'] > off ? a['off'] : off + (r.int(3) === 0 ? 0 : chunk.length);
        if (typeof a['rc'] === 'number' && a['rc'] !== 0 && a['off'] === undefined) return;
      }
    };
    switch (r.int(3)) {
      case 0: {
        const e = r.pick(this.pool.envelopes);
        yield* chunked(e.bytes, (off, data) => (off === 0 ? { off, len: e.bytes.length, data } : { off, data }), GroupId.SUIT, SuitCmd.ENVELOPE_UPLOAD, `story envelope ${e.name}`);
        const m = yield req(GroupId.SUIT, SuitCmd.MISSING_IMAGE_STATE, {}, 'story missing image', Op.READ);
        if (typeof m['stream_session_id'] !== 'number') return;
        const sid = m['stream_session_id'];
        this.session = sid;
        const payload = r.int(6) === 0 ? e.payload.subarray(0, e.payload.length - 7) : e.payload;
        yield* chunked(payload, (off, data) => (off === 0 ? { stream_session_id: sid, off, len: payload.length, data } : { stream_session_id: sid, off, data }), GroupId.SUIT, SuitCmd.MISSING_IMAGE_UPLOAD, `story payload ${e.name}`);
        break;
      }
      case 1: {
        const im = r.pick(this.pool.images);
        const sha = new Uint8Array(createHash('sha256').update(im.bytes).digest());
        yield* chunked(im.bytes, (off, data) => (off === 0 ? { off, len: im.bytes.length, sha, data, ...(r.int(3) === 0 ? { upgrade: true } : {}) } : { off, data }), GroupId.IMAGE, ImageCmd.UPLOAD, `story image ${im.name}`);
        const st = yield req(GroupId.IMAGE, ImageCmd.STATE, {}, 'story image state', Op.READ);
        const images = Array.isArray(st['images']) ? (st['images'] as SmpMap[]) : [];
        const cand = images.find((i) => i['slot'] === 1);
        if (cand && cand['hash'] instanceof Uint8Array && r.int(2)) yield req(GroupId.IMAGE, ImageCmd.STATE, { hash: cand['hash'], confirm: r.int(3) === 0 }, 'story image test');
        break;
      }
      default: {
        const c = r.pick(this.pool.caches);
        yield* chunked(c, (off, data) => (off === 0 ? { target_id: 0, off, len: c.length, data } : { off, data }), GroupId.SUIT, SuitCmd.CACHE_RAW_UPLOAD, 'story cache');
      }
    }
    if (r.int(3) === 0) yield req(GroupId.OS, OsCmd.RESET, {}, 'story reset');
  }
}

function outcome(a: SmpMap): string {
  const err = a['err'];
  if (err && typeof err === 'object' && !Array.isArray(err) && !(err instanceof Uint8Array)) return `group ${String((err as SmpMap)['group'])} err ${String((err as SmpMap)['rc'])}`;
  return typeof a['rc'] === 'number' && a['rc'] !== 0 ? `rc ${a['rc']}` : 'ok';
}

/** Runs `o.requests` fuzzed requests at a fresh in-process virtual board; never throws for a finding. */
export async function fuzzBoard(o: BoardFuzzOptions): Promise<BoardFuzzReport> {
  const rng = new Rng(o.seed);
  const pool = makePool(o.seed);
  const report: BoardFuzzReport = { seed: o.seed, requests: 0, viaLink: 0, linkUnanswered: 0, outcomes: {}, stories: 0, powerCuts: 0, boots: 0, flashOps: 0, failures: [] };
  const events: BoardEvent[] = [];
  /** The board's last console lines: the story behind a failed final check. */
  const consoleTail: string[] = [];
  // The reset delay is real time (250 ms a reset): the fuzz is about answers, flash rules and
  // boots, not timing, so its board resets as soon as the answer is out.
  const profile = { ...fixtureProfile, smp: { ...fixtureProfile.smp, resetMs: 0 } };
  const board = await VirtualBoard.open({
    profile,
    trust: { anchors: [anchor(pool.hmac), anchor(pool.ed25519)], require: [] },
    identity: policyIdentity(identity),
    seed: o.seed,
    autoRestore: false,
    // The fuzz arms faults and changes the board model through rig group 67 (its test hooks).
    testHooks: true,
    listener: (e) => {
      if (e.kind !== 'console') events.push(e);
      else if (consoleTail.push(e.line) > 40) consoleTail.shift();
    },
  });
  const violations: string[] = [];
  const watchFlash = (): void => {
    const f = board.firmware.flash;
    for (const m of ['erase', 'write'] as const) {
      const orig = f[m].bind(f) as (off: number, x: never) => void;
      (f as unknown as Record<string, unknown>)[m] = (off: number, x: never) => {
        try {
          orig(off, x);
        } catch (e) {
          if (e instanceof FlashError) violations.push(`${m} at 0x${off.toString(16)}: ${e.rule}: ${e.message}`);
          throw e;
        }
      };
    }
  };
  watchFlash();
  const link = await board.connect({ pace: false, seed: o.seed ^ 0x51 });
  const answers = new Map<number, (p: SmpPacket) => void>();
  link.client.link.onPacket((p) => answers.get(p.header.seq)?.(p));
  try {
    // A board that runs a verified SUIT image to begin with.
    const first = app('1.0.0', 'healthy', 6000);
    const setup = await runUpdate(link.client, envelope({ sequence: 1, payload: first, key: pool.hmac }), { payloads: new Map([[APP_URI, first]]) });
    if (setup.result !== 'updated') throw new Error(`fuzz setup update ended ${setup.result}: ${setup.message}`);

    const gen = new Requests(rng, pool);
    let story: Generator<Req, void, SmpMap> | undefined;
    let last: SmpMap = {};
    let seq = 0;
    for (let i = 0; i < o.requests; i++) {
      let req: Req;
      if (!story && rng.int(12) === 0) {
        story = gen.story();
        report.stories++;
        last = {};
      }
      const step = story?.next(last);
      if (step && !step.done) req = step.value;
      else {
        story = undefined;
        req = gen.random();
      }
      const at = `request ${i} (${req.how}, seed ${o.seed})`;
      const before = events.length;
      const header: SmpHeader = { op: req.op, version: req.version, flags: 0, length: req.payload.length, group: req.group, seq: seq++ & 0xff, command: req.command };
      try {
        if (rng.int(30) === 0 && req.payload.length <= 0xffff) {
          // Through the framed link: oversized frames are dropped by the board's framing.
          report.viaLink++;
          const p = await new Promise<SmpPacket | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), 40);
            answers.set(header.seq, (x) => {
              clearTimeout(timer);
              resolve(x);
            });
            link.client.link.send(encodePacket(header, req.payload)).catch(() => resolve(undefined));
          });
          answers.delete(header.seq);
          if (!p) report.linkUnanswered++;
          // What the board does after answering (a reset) runs now.
          await new Promise((r) => setTimeout(r, 5));
          last = {};
        } else {
          const after: (() => void | Promise<void>)[] = [];
          last = await board.server.answer(header, req.payload, after);
          encodeCbor(last); // the answer must be sendable
          for (const fn of after) await fn();
          report.outcomes[outcome(last)] = (report.outcomes[outcome(last)] ?? 0) + 1;
        }
      } catch (e) {
        report.failures.push(`${at}: the server threw ${(e as Error).stack ?? String(e)}`);
        last = {};
      }
      report.requests++;
      for (const e of events.slice(before)) {
        if (e.kind === 'error') report.failures.push(`${at}: board error ${(e.error as Error)?.stack ?? String(e.error)}`);
        if (e.kind === 'power-lost') report.powerCuts++;
        if (e.kind === 'booted') {
          report.boots++;
          if (e.state === 'running' && board.state.kind === 'running' && !verifiedBy(board, pool)) report.failures.push(`${at}: the board boots an image nothing verified`);
        }
      }
      if (violations.length) report.failures.push(`${at}: flash rule broken: ${violations.splice(0).join('; ')}`);
      if (board.mode === 'off') {
        board.faults.disarmPowerCut();
        await board.powerOn();
      }
      if (board.mode === 'boot-loop') report.failures.push(`${at}: the honest board is boot-looping`);
      if (report.failures.length >= 5) break;
      if ((i + 1) % 2000 === 0) o.log?.(`fuzz:board ${i + 1}/${o.requests} requests, ${report.boots} boots, ${report.powerCuts} power cuts`);
    }
    report.flashOps = board.firmware.flash.opCount;
    if (board.mode !== 'boot-loop') report.final = await finalCheck(board, link.client, pool, report, consoleTail).catch((e: unknown) => {
      report.failures.push(`final check: ${(e as Error).message}`);
      return undefined;
    });
  } finally {
    await link.close();
    await board.close();
  }
  return report;
}

/** What vouches for the running image: its SUIT manifest (secure boot) or a trusted MCUboot signature; undefined: nothing. */
function verifiedBy(board: VirtualBoard, pool: Pool): string | undefined {
  const suit = board.firmware.running;
  if (suit) return `SUIT sequence ${suit.sequence}`;
  const pri = board.firmware.areas.primary;
  const len = imageLength(pri);
  if (typeof len === 'number' && verifyImage(pri.read(0, len), [pool.ed25519.publicKey]).ok) return 'MCUboot image signed by the trusted key';
  return undefined;
}

/**
 * Honest model, reset: a verified image runs — or the board stays in its bootloader because
 * serial recovery wrote an image into the primary slot that the bootloader refuses (MCUboot
 * recovery takes any upload and boots only what verifies); either way a fresh signed update
 * must then install and boot.
 */
async function finalCheck(board: VirtualBoard, client: SmpClient, pool: Pool, report: BoardFuzzReport, consoleTail: string[]): Promise<BoardFuzzReport['final']> {
  board.faults.disarmPowerCut();
  board.faults.link({});
  if (board.mode === 'off') await board.powerOn();
  await client.rig.boardModel({ quirks: [], appDefault: 'healthy' });
  let st = await board.reset();
  // After the reset: an upload session the fuzz left (from another connection) went with the RAM.
  await client.suit.cleanup();
  // A never-confirms image on test is reverted by the next reset.
  if (st.kind === 'running' && !st.confirmed) st = await board.reset();
  const state = st.kind === 'running' ? `running${st.confirmed ? '' : ' (unconfirmed)'}` : st.kind;
  const verified = st.kind === 'running' ? (verifiedBy(board, pool) ?? 'no') : 'nothing runs';
  if (!(st.kind === 'running' && verified !== 'no') && st.kind !== 'recovery') {
    report.failures.push(`after the fuzz the board neither runs a verified image nor waits in recovery: ${state}, verified: ${verified}; console:\n  ${consoleTail.join('\n  ')}`);
  }
  const fresh = app('9.0.0', 'healthy', 6000);
  let freshUpdate = 'not tried';
  try {
    const out = await runUpdate(client, envelope({ sequence: 1000, payload: fresh, key: pool.hmac }), { payloads: new Map([[APP_URI, fresh]]) });
    freshUpdate = `${out.result}${board.firmware.running ? `, runs sequence ${board.firmware.running.sequence}` : ''}`;
    if (out.result !== 'updated' || board.firmware.running?.sequence !== 1000n) report.failures.push(`after the fuzz a fresh signed update did not install and boot: ${out.result}: ${out.message}`);
  } catch (e) {
    freshUpdate = `failed: ${(e as Error).message}`;
    report.failures.push(`after the fuzz a fresh signed update failed: ${(e as Error).message}; console:\n  ${consoleTail.join('\n  ')}`);
  }
  return { state, verified, freshUpdate };
}
