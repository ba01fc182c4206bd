/**
 * Checked readers over the plain values of a description. Each reader records a problem in the
 * IssueList (with the field's path) instead of throwing and returns undefined, so that the
 * whole description is checked in one pass.
 */
import { FileReadError, readBoundedFile, type FileKind } from '../../util/bounded-read.js';
import { isAbsolute, resolve } from 'node:path';
import { sha256Digest } from '../digest.js';
import { looksLikeUuid, parseUuid, uuid5 } from '../../util/uuid.js';
import { describeValue, type FieldPath } from '../../util/yaml-source.js';
import type { IssueList } from './issues.js';
import type { ComponentId, ImageInfo } from './plan.js';

export type Obj = Record<string, unknown>;

/** Text fields both description formats take (manifest-37 §8.4.4): SUIT_Text_Keys written by
 *  hand, and SUIT_Text_Component_Keys (update-management's version keys are not written by hand). */
export const MANIFEST_TEXT_FIELDS = ['manifest-description', 'update-description'] as const;
export const COMPONENT_TEXT_FIELDS = ['vendor-name', 'model-name', 'vendor-domain', 'model-info', 'component-description', 'component-version'] as const;

/** Why a device ID cannot be a name: nothing to make it from (draft-37 §8.4.8.4). */
export const DEVICE_ID_IS_A_UUID = 'a device ID is given as a UUID (8-4-4-4-12 hexadecimal digits)';

const MAX_U64 = 0xffff_ffff_ffff_ffffn;
/**
 * Readers return undefined for an undefined value without a message: `required()` has already
 * reported the missing field, and one mistake should give one message.
 */
export class Fields {
  constructor(
    readonly issues: IssueList,
    /** Directory that relative file names are resolved against. */
    readonly dir: string,
  ) {}

  error(path: FieldPath, message: string): undefined {
    this.issues.add(path, message);
    return undefined;
  }

  /** Something the description says that is built anyway, changed: the author is told what. */
  warn(path: FieldPath, message: string): void {
    this.issues.warn(path, message);
  }

  /** A mapping whose keys must all be in `allowed` ('any': keys are not checked). */
  object(v: unknown, path: FieldPath, allowed: readonly string[] | 'any'): Obj | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.error(path, `expected a mapping, got ${describeValue(v)}`);
    const o = v as Obj;
    if (allowed === 'any') return o;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.error([...path, k], `unknown field '${k}'; expected one of: ${allowed.join(', ')}`);
    }
    return o;
  }

  has(o: Obj, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== null && o[key] !== undefined;
  }

  required(o: Obj, key: string, path: FieldPath, what: string): unknown {
    if (!this.has(o, key)) return this.error(path, `missing '${key}' (${what})`);
    return o[key];
  }

  list(v: unknown, path: FieldPath, min = 0): unknown[] | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    if (!Array.isArray(v)) return this.error(path, `expected a list, got ${describeValue(v)}`);
    if (v.length < min) return this.error(path, `expected at least ${min} entr${min === 1 ? 'y' : 'ies'}, got ${v.length}`);
    return v;
  }

  string(v: unknown, path: FieldPath, what = 'a string'): string | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    if (typeof v === 'string' && v !== '') return v;
    return this.error(path, `expected ${what}, got ${v === '' ? 'an empty string' : describeValue(v)}`);
  }

  bool(v: unknown, path: FieldPath): boolean | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    if (typeof v === 'boolean') return v;
    return this.error(path, `expected true or false, got ${describeValue(v)}`);
  }

  /** A non-negative integer up to `max` (default 2^64-1), given as a number or a decimal/0x string. */
  uint(v: unknown, path: FieldPath, max: bigint = MAX_U64, what = 'a non-negative integer'): bigint | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    let n: bigint | undefined;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
    else if (typeof v === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) n = BigInt(v);
    if (n === undefined) return this.error(path, `expected ${what}, got ${describeValue(v)}`);
    if (n < 0n || n > max) return this.error(path, `${n} is out of range: expected ${what} from 0 to ${max}`);
    return n;
  }

  smallUint(v: unknown, path: FieldPath, what = 'a non-negative integer'): number | undefined {
    const n = this.uint(v, path, BigInt(Number.MAX_SAFE_INTEGER), what);
    return n === undefined ? undefined : Number(n);
  }

  oneOf<T extends string>(v: unknown, path: FieldPath, choices: readonly T[], what: string): T | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
    return this.error(path, `unknown ${what} ${describeValue(v)}; expected one of: ${choices.join(', ')}`);
  }

  /**
   * A UUID given literally, or a name. `names` says what becomes of a name: a namespace makes it
   * a UUID v5 there (DNS for vendors, the vendor ID for classes); text refuses it, saying why;
   * null passes over it quietly, because the namespace itself was wrong and has been reported.
   */
  uuid(v: unknown, path: FieldPath, what: string, names: Uint8Array | string | null): Uint8Array | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    const s = this.string(v, path, `a UUID or a name for the ${what}`);
    if (s === undefined) return undefined;
    const u = parseUuid(s);
    if (u) return u;
    if (looksLikeUuid(s)) return this.error(path, `malformed UUID '${s}' (expected 8-4-4-4-12 hexadecimal digits)`);
    if (names === null) return undefined;
    if (typeof names === 'string') return this.error(path, `'${s}' is not a UUID: ${names}`);
    return uuid5(names, s);
  }

  /**
   * A SUIT_Component_Identifier: a list of segments (or one segment). `text` segments are
   * UTF-8 unless written h'..' (hexadecimal); `hex` segments (suit-tool) are hexadecimal.
   */
  componentId(v: unknown, path: FieldPath, style: 'text' | 'hex'): ComponentId | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    const segs = Array.isArray(v) ? v : style === 'text' && typeof v === 'string' ? [v] : undefined;
    if (!segs) return this.error(path, `expected a component identifier (a list of ${style === 'hex' ? 'hexadecimal strings' : 'strings'}), got ${describeValue(v)}`);
    const out: Uint8Array[] = [];
    segs.forEach((seg, i) => {
      const p = Array.isArray(v) ? [...path, i] : path;
      if (typeof seg !== 'string') return this.error(p, `expected a string segment, got ${describeValue(seg)}`);
      const hex = style === 'hex' ? seg : /^h'([0-9a-fA-F]*)'$/.exec(seg)?.[1];
      if (hex === undefined) return out.push(new Uint8Array(Buffer.from(seg, 'utf8')));
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return this.error(p, `'${seg}' is not an even number of hexadecimal digits`);
      return out.push(new Uint8Array(Buffer.from(hex, 'hex')));
    });
    return out.length === segs.length ? out : undefined;
  }

  /** The text fields among `keys` that are set in `o`, by their SUIT label in `labels`. */
  texts<K extends string>(o: Obj, path: FieldPath, keys: readonly K[], labels: Record<K, number>): Map<number, string> {
    const text = new Map<number, string>();
    for (const k of keys) {
      if (!this.has(o, k)) continue;
      const s = this.string(o[k], [...path, k]);
      if (s !== undefined) text.set(labels[k], s);
    }
    return text;
  }

  /** Absolute path of a file named relative to the description. */
  resolvePath(p: string): string {
    return isAbsolute(p) ? p : resolve(this.dir, p);
  }

  /** A file's bytes (a regular file within the limit for `kind`), or a recorded problem naming the file. */
  readFile(v: unknown, path: FieldPath, what: string, kind: FileKind): { bytes: Uint8Array; name: string } | undefined {
    if (v === undefined) return undefined; // missing: reported by required()
    const name = this.string(v, path, `a path to the ${what}`);
    if (name === undefined) return undefined;
    const abs = this.resolvePath(name);
    try {
      return { bytes: readBoundedFile(abs, kind), name };
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e;
      return this.error(path, e.code === 'ENOENT' ? `${what} '${name}' not found (looked for ${abs})` : `${what} '${name}' (${abs}): ${e.reason}`);
    }
  }

  /** An image file: SHA-256 digest and size computed from its bytes. */
  image(v: unknown, path: FieldPath): ImageInfo | undefined {
    const f = this.readFile(v, path, 'image file', 'image');
    return f && { digest: sha256Digest(f.bytes), size: f.bytes.length, bytes: f.bytes, file: f.name };
  }
}
