/**
 * Loads build/verifier.wasm and binds its imports (assembly/platform.ts) to a CoreHost, so the
 * typed layers above (verify.ts, processor.ts) deal with bytes, not pointers. One VerifierCore is
 * one instance with its own 256 KiB memory; it is not re-entrant (one verification or run at a
 * time). The memory never grows, so views of it stay valid.
 */
import { readFileSync } from 'node:fs';
import { buildFile } from '../paths.js';

/** Exports of the core (ABI 2; assembly/index.ts documents them). u64 values cross as bigint. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  io_ptr(): number;
  io_size(): number;
  sha_init(): void;
  sha_update(len: number): void;
  sha_final(): number;
  policy_reset(): void;
  policy_anchor(index: number, roleBits: number, family: number, kidLen: number): number;
  policy_anchor_key(index: number, keyLen: number): number;
  hss_verify(keyLen: number, msgLen: number, sigLen: number): number;
  policy_require(roleBits: number): void;
  policy_sequence(stored: bigint, has: number): void;
  policy_identity(kind: number, count: number): number;
  policy_options(flags: number): void;
  envelope_begin(total: bigint): void;
  envelope_feed(len: number): number;
  envelope_end(): number;
  envelope_verify(): number;
  result_reason(): number;
  result_detail(): number;
  result_section(): number;
  result_offset(): number;
  result_component(): number;
  result_manifest(): number;
  manifest_authenticated(): number;
  manifest_claimed_digest(): number;
  manifest_sequence(): bigint;
  manifest_digest(): number;
  manifest_reference_uri(): number;
  manifest_reference_uri_len(): number;
  component_count(): number;
  component_id(i: number): number;
  component_id_len(i: number): number;
  section_state(key: number): number;
  block_count(): number;
  block_info(i: number): number;
  delegate_root(d: number): number;
  run_begin(count: number, dry: number): number;
  fetch_data(len: number): number;
  fetch_end(): number;
  fetch_fail(): number;
  request_ptr(): number;
}

/** The core's packing of a SUIT_Record manifest-id (assembly/dependency.ts depPath): -1 the root
 *  ([]), else the level count in bits 24-31 and one ordinal per level from bit 16 down. */
export function manifestPath(code: number): number[] {
  if (code < 0) return [];
  const n = Math.min(3, code >>> 24);
  return Array.from({ length: n }, (_, i) => (code >>> (16 - 8 * i)) & 0xff);
}

/**
 * What the core asks of its host (the imports). Byte ranges are copies, except on the per-chunk
 * path: componentRead's `dst` and componentWrite's `data` are views of the core's IO window,
 * valid only during the call (fill / copy them; do not keep them).
 */
export interface CoreHost {
  /** COSE signature / MAC check with trust anchor `anchor` over `tbs`. */
  verify(anchor: number, alg: number, tbs: Uint8Array, sig: Uint8Array): boolean;
  /** The same with a key a suit-delegation chain vouched for, as its COSE_Key encoding. */
  verifyKey(coseKey: Uint8Array, alg: number, tbs: Uint8Array, sig: Uint8Array): boolean;
  /** Key material for recipient algorithm `alg` (platform.ts `decrypt_key`): at most 32 bytes, or
   *  undefined when the device has no further candidate. The returned array is wiped after use. */
  decryptKey(alg: number, kid: Uint8Array, epk: Uint8Array, attempt: number): Uint8Array | undefined;
  componentOpen(id: Uint8Array, dependency: boolean): number;
  componentSize(handle: number): bigint;
  /** Fills `dst` (a view of core memory) from `offset`; returns the byte count, < 0 on error. */
  componentRead(handle: number, offset: bigint, dst: Uint8Array): number;
  componentErase(handle: number): number;
  componentWrite(handle: number, offset: bigint, data: Uint8Array): number;
  componentFinish(handle: number, length: bigint): number;
  componentCopy(dst: number, src: number): number;
  componentSwap(a: number, b: number): number;
  componentSlot(handle: number): bigint;
  componentVersion(handle: number): bigint[] | undefined;
  componentUnlink(handle: number): number;
  invoke(handle: number, args: Uint8Array): number;
  battery(): bigint;
  authorize(priority: bigint): number;
  wait(handle: number, info: Uint8Array): number;
  now(): bigint;
  record(r: CoreRecord): void;
}

/** One executed command as the core reports it (platform.ts `record`). */
export interface CoreRecord {
  /** SUIT_Record manifest-id: [] the root, [n] its n-th dependency, [n, m] that one's m-th... */
  manifest: number[];
  section: number;
  offset: number;
  component: number;
  command: number;
  policy: number;
  outcome: number;
  properties: Uint8Array;
  /** Platform handle of the component (-2 never opened, -1 unsupported). */
  handle: number;
}

export type CoreVariant = 'release' | 'checked';

const modules = new Map<CoreVariant, WebAssembly.Module>();

/**
 * The compiled module: `release` = build/verifier.wasm; `checked` = the test build whose bounds
 * assertions trap on a core bug. SUITRIG_VERIFIER=checked makes it the default (e.g. to run a
 * whole test suite on the checked build); tests that need it ask for it by name.
 */
export function verifierModule(variant: CoreVariant = defaultVariant()): WebAssembly.Module {
  let m = modules.get(variant);
  if (!m) {
    const file = buildFile(variant === 'release' ? 'verifier.wasm' : 'verifier.checked.wasm');
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new Error(`verifier core not built: ${file} is missing (run npm run build:wasm)`);
    }
    m = new WebAssembly.Module(bytes);
    modules.set(variant, m);
  }
  return m;
}

function defaultVariant(): CoreVariant {
  return process.env.SUITRIG_VERIFIER === 'checked' ? 'checked' : 'release';
}

/** A host that refuses everything: what a core sees before a policy or platform is bound. */
export const NULL_HOST: CoreHost = {
  verify: () => false,
  verifyKey: () => false,
  decryptKey: () => undefined,
  componentOpen: () => -1,
  componentSize: () => -1n,
  componentRead: () => -1,
  componentErase: () => -1,
  componentWrite: () => -1,
  componentFinish: () => -1,
  componentCopy: () => -1,
  componentSwap: () => -1,
  componentSlot: () => -1n,
  componentVersion: () => undefined,
  componentUnlink: () => -1,
  invoke: () => -1,
  battery: () => -1n,
  authorize: () => 0,
  wait: () => -1,
  now: () => -1n,
  record: () => undefined,
};

/** A bug in the core (an assertion of the checked build, or unreachable code). */
export class CoreTrap extends Error {
  override name = 'CoreTrap';
}

export class VerifierCore {
  readonly exports: CoreExports;
  readonly variant: CoreVariant;
  /** The imports call whatever host is bound at the time. */
  host: CoreHost = NULL_HOST;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  readonly io: Uint8Array;

  constructor(variant: CoreVariant = defaultVariant()) {
    this.variant = variant;
    const mem = (): Uint8Array => this.bytes;
    const range = (p: number, n: number): Uint8Array => mem().slice(p, p + n);
    const view = (p: number, n: number): Uint8Array => mem().subarray(p, p + n);
    const imports = {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number): never => {
          throw new CoreTrap(`verifier core aborted at line ${line}:${col} (a bug in the core)`);
        },
      },
      suit: {
        verify: (anchor: number, alg: number, tbs: number, tbsLen: number, sig: number, sigLen: number): number =>
          this.host.verify(anchor, alg, range(tbs, tbsLen), range(sig, sigLen)) ? 1 : 0,
        verify_key: (key: number, keyLen: number, alg: number, tbs: number, tbsLen: number, sig: number, sigLen: number): number =>
          this.host.verifyKey(range(key, keyLen), alg, range(tbs, tbsLen), range(sig, sigLen)) ? 1 : 0,
        decrypt_key: (alg: number, kid: number, kidLen: number, epk: number, epkLen: number, attempt: number, out: number): number => {
          const k = this.host.decryptKey(alg, range(kid, kidLen), range(epk, epkLen), attempt);
          if (!k) return -1;
          const n = k.length <= 32 ? k.length : -1;
          if (n > 0) mem().set(k, out);
          k.fill(0);
          return n;
        },
        component_open: (id: number, idLen: number, dep: number): number => this.host.componentOpen(range(id, idLen), dep !== 0),
        component_size: (h: number): bigint => this.host.componentSize(h),
        component_read: (h: number, off: bigint, dst: number, len: number): number => {
          const n = this.host.componentRead(h, BigInt.asUintN(64, off), view(dst, len));
          return n > len ? len : n;
        },
        component_erase: (h: number): number => this.host.componentErase(h),
        component_write: (h: number, off: bigint, src: number, len: number): number =>
          this.host.componentWrite(h, BigInt.asUintN(64, off), view(src, len)),
        component_finish: (h: number, len: bigint): number => this.host.componentFinish(h, BigInt.asUintN(64, len)),
        component_copy: (dst: number, src: number): number => this.host.componentCopy(dst, src),
        component_swap: (a: number, b: number): number => this.host.componentSwap(a, b),
        component_slot: (h: number): bigint => this.host.componentSlot(h),
        component_version: (h: number, dst: number, cap: number): number => {
          const v = this.host.componentVersion(h);
          if (!v) return -1;
          const n = Math.min(v.length, cap);
          for (let i = 0; i < n; i++) this.view.setBigInt64(dst + 8 * i, v[i]!, true);
          return n;
        },
        component_unlink: (h: number): number => this.host.componentUnlink(h),
        invoke: (h: number, args: number, argsLen: number): number => this.host.invoke(h, range(args, argsLen)),
        battery: (): bigint => this.host.battery(),
        authorize: (priority: bigint): number => this.host.authorize(priority),
        wait: (h: number, info: number, infoLen: number): number => this.host.wait(h, range(info, infoLen)),
        now: (): bigint => this.host.now(),
        record: (dep: number, section: number, offset: number, component: number, command: number, policy: number, outcome: number, props: number, propsLen: number, handle: number): void =>
          this.host.record({ manifest: manifestPath(dep), section, offset: offset >>> 0, component, command, policy: policy >>> 0, outcome, properties: range(props, propsLen), handle }),
      },
    };
    const instance = new WebAssembly.Instance(verifierModule(variant), imports);
    this.exports = instance.exports as unknown as CoreExports;
    if (this.exports.abi_version() !== 2) throw new Error(`verifier core ABI ${this.exports.abi_version()}; this host speaks ABI 2`);
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer);
    const io = this.exports.io_ptr();
    this.io = this.bytes.subarray(io, io + this.exports.io_size());
  }

  /** A copy of core memory [ptr, ptr+len). */
  read(ptr: number, len: number): Uint8Array {
    return this.bytes.slice(ptr, ptr + len);
  }

  i32(ptr: number): number {
    return this.view.getInt32(ptr, true);
  }

  u32(ptr: number): number {
    return this.view.getUint32(ptr, true);
  }

  i64(ptr: number): bigint {
    return this.view.getBigInt64(ptr, true);
  }

  u64(ptr: number): bigint {
    return this.view.getBigUint64(ptr, true);
  }

  /**
   * Feeds `data` through the IO window to an export that takes a length, window by window, while
   * it answers `more` (0 for envelope_feed, pending for fetch_data). Returns the first other
   * answer, or `more` once all of `data` went in.
   */
  stream(data: Uint8Array, feed: (len: number) => number, more = 0): number {
    const size = this.io.length;
    for (let off = 0; off < data.length; off += size) {
      const n = Math.min(size, data.length - off);
      this.io.set(data.subarray(off, off + n));
      const rc = feed(n);
      if (rc !== more) return rc;
    }
    return more;
  }

  /** The core's HSS-LMS check (RFC 8554 §6.3, as COSE alg -46 uses it; for tests and the bench). */
  hssVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const n = publicKey.length + message.length + signature.length;
    if (n > this.io.length) throw new RangeError(`key, message and signature take ${n} bytes; the IO window holds ${this.io.length}`);
    this.io.set(publicKey);
    this.io.set(message, publicKey.length);
    this.io.set(signature, publicKey.length + message.length);
    return this.exports.hss_verify(publicKey.length, message.length, signature.length) === 1;
  }

  /** Streaming SHA-256 of `data` in the core (used by tests and the bench). */
  sha256(data: Uint8Array): Uint8Array {
    const e = this.exports;
    e.sha_init();
    this.stream(data, (n) => {
      e.sha_update(n);
      return 0;
    });
    return this.read(e.sha_final(), 32);
  }
}
