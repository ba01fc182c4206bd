/**
 * SUIT_Command_Sequence and SUIT_Parameters in the explicit description form, both ways
 * (draft-ietf-suit-manifest-37 §8.4.8-8.4.10, trust-domains-11 §6, update-management-14 §5):
 *
 *   - condition-vendor-identifier: 15            a condition / directive and its reporting policy
 *   - directive-set-component-index: 1           an index, true, or a list of indices
 *   - directive-override-parameters: {uri: ..}   parameters by name (set-parameters alike)
 *   - directive-try-each: [[...], [...], null]   sequences (a null last: all may fail)
 *   - directive-run-sequence: [...]              a sequence
 *   - directive-override-multiple: [{index: 0, parameters: {...}}]
 *   - directive-copy-params: [{index: 0, parameters: [image-digest]}]
 *   - {command: -5, argument: {cbor: <hex>}}     anything else, as it is
 *
 * Parameter values are typed where the parameter's type is known (UUIDs, digests, integers,
 * booleans, text, byte strings), else written as {cbor: <hex>}, so nothing is lost.
 */
import type { CborValue } from '../cbor/encode.js';
import { decodeCbor } from '../cbor/decode.js';
import { encodeCbor } from '../cbor/encode.js';
import { COMMAND, PARAMETER } from '../labels.js';
import { describeValue, type FieldPath } from '../../util/yaml-source.js';
import type { Fields } from './fields.js';
import {
  bytesText, digestJson, intJson, isRaw, rawValue, readBytesText, readDigestJson, readInt, readRaw, readUuidJson, uuidJson, type Json,
} from './explicit-values.js';

type Kind = 'uuid' | 'digest' | 'uint' | 'int' | 'bool' | 'tstr' | 'bstr';

/** Value types of the parameters (draft-37 §8.4.8; UM §4; ENC: encryption-info is a bstr). */
const PARAM_KIND: Readonly<Record<number, Kind>> = {
  1: 'uuid', 2: 'uuid', 24: 'uuid', 3: 'digest', 4: 'uint', 5: 'uint', 14: 'uint', 22: 'uint', 26: 'uint', 27: 'int',
  12: 'bool', 13: 'bool', 21: 'tstr', 18: 'bstr', 19: 'bstr', 23: 'bstr', 25: 'bstr', 28: 'bstr', 29: 'bstr', 30: 'bstr',
};

const POLICY_COMMANDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 18, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 33]);

// ---- manifest -> description ----

function paramValueJson(key: number, v: unknown): Json {
  const kind = PARAM_KIND[key];
  const typed =
    kind === 'uuid' ? uuidJson(v)
    : kind === 'digest' ? (v instanceof Uint8Array ? digestOfBstr(v) : undefined)
    : kind === 'uint' || kind === 'int' ? (kind === 'uint' && (typeof v === 'bigint' ? v < 0n : typeof v === 'number' && v < 0) ? undefined : intJson(v))
    : kind === 'bool' ? (typeof v === 'boolean' ? v : undefined)
    : kind === 'tstr' ? (typeof v === 'string' ? v : undefined)
    : kind === 'bstr' ? (v instanceof Uint8Array ? bytesText(v) : undefined)
    : undefined;
  return typed ?? rawValue(v as CborValue);
}

/** bstr .cbor SUIT_Digest: its digest as {algorithm, bytes} when it re-encodes to the same bytes. */
function digestOfBstr(b: Uint8Array): Json | undefined {
  try {
    const d = decodeCbor(b, 'digest');
    const j = digestJson(d);
    return j && Buffer.compare(Buffer.from(encodeCbor(d as CborValue)), Buffer.from(b)) === 0 ? j : undefined;
  } catch {
    return undefined;
  }
}

export function paramsJson(m: Map<unknown, unknown>): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of m) {
    const key = Number(k);
    out[PARAMETER.names.get(key) ?? String(key)] = paramValueJson(key, v);
  }
  return out;
}

function sequenceJson(encoded: unknown): Json | undefined {
  if (!(encoded instanceof Uint8Array)) return undefined;
  try {
    const seq = decodeCbor(encoded, 'command sequence');
    return Array.isArray(seq) && Buffer.compare(Buffer.from(encodeCbor(seq as CborValue)), Buffer.from(encoded)) === 0 ? commandsJson(seq) : undefined;
  } catch {
    return undefined;
  }
}

function isIntKeyMap(v: unknown): v is Map<number | bigint, unknown> {
  return v instanceof Map && [...v.keys()].every((k) => typeof k === 'number' || typeof k === 'bigint');
}

function argJson(cmd: number, arg: unknown): Json | undefined {
  if (POLICY_COMMANDS.has(cmd)) return intJson(arg);
  switch (cmd) {
    case 12:
      if (arg === true) return true;
      if (Array.isArray(arg)) return arg.every((x) => intJson(x) !== undefined) ? arg.map((x) => intJson(x)!) : undefined;
      return intJson(arg);
    case 19:
    case 20:
      return isIntKeyMap(arg) ? paramsJson(arg) : undefined;
    case 15: {
      if (!Array.isArray(arg)) return undefined;
      const alts = arg.map((a, i) => (a === null && i === arg.length - 1 ? null : sequenceJson(a)));
      return alts.every((a) => a !== undefined) ? (alts as Json[]) : undefined;
    }
    case 32:
      return sequenceJson(arg);
    case 34:
      if (!isIntKeyMap(arg) || ![...arg.values()].every(isIntKeyMap)) return undefined;
      return [...arg].map(([i, p]) => ({ index: intJson(i)!, parameters: paramsJson(p as Map<unknown, unknown>) }));
    case 35:
      if (!isIntKeyMap(arg) || ![...arg.values()].every((l) => Array.isArray(l) && l.every((x) => intJson(x) !== undefined))) return undefined;
      return [...arg].map(([i, l]) => ({ index: intJson(i)!, parameters: (l as unknown[]).map((x) => PARAMETER.names.get(Number(x)) ?? String(x)) }));
  }
  return undefined;
}

/** A decoded command sequence [cmd, arg, ...] as a list of one-key objects. */
export function commandsJson(seq: unknown[]): Json[] {
  const out: Json[] = [];
  for (let i = 0; i + 1 < seq.length; i += 2) {
    const cmd = seq[i];
    const arg = seq[i + 1];
    const code = typeof cmd === 'number' ? cmd : Number.NaN;
    const name = COMMAND.names.get(code);
    const a = name ? argJson(code, arg) : undefined;
    out.push(name && a !== undefined ? { [name]: a } : { command: intJson(cmd) ?? rawValue(cmd as CborValue), argument: rawValue(arg as CborValue) });
  }
  if (seq.length % 2 === 1) out.push({ command: intJson(seq[seq.length - 1]) ?? rawValue(seq[seq.length - 1] as CborValue) });
  return out;
}

// ---- description -> manifest ----

function readParamValue(f: Fields, key: number, v: unknown, path: FieldPath): CborValue | undefined {
  if (isRaw(v)) return readRaw(f, v, path);
  switch (PARAM_KIND[key]) {
    case 'uuid': return readUuidJson(f, v, path);
    case 'digest': {
      const d = readDigestJson(f, v, path);
      return d && encodeCbor(d);
    }
    case 'uint':
    case 'int': {
      const n = readInt(f, v, path);
      if (n !== undefined && PARAM_KIND[key] === 'uint' && n < 0n) return f.error(path, 'expected a non-negative integer');
      return n;
    }
    case 'bool': return f.bool(v, path);
    case 'tstr': return typeof v === 'string' ? v : f.error(path, `expected text, got ${describeValue(v)}`);
    case 'bstr': return readBytesText(f, v, path);
  }
  return f.error(path, `parameter ${key}: write its value as {cbor: <hex>}`);
}

function paramKey(f: Fields, name: string, path: FieldPath): number | undefined {
  const known = (PARAMETER.ids as Record<string, number>)[name];
  if (known !== undefined) return known;
  if (/^-?[0-9]+$/.test(name)) return Number(name);
  return f.error(path, `unknown parameter '${name}' (a name such as ${Object.keys(PARAMETER.ids).slice(0, 4).join(', ')}, or a number)`);
}

export function readParams(f: Fields, v: unknown, path: FieldPath): Map<CborValue, CborValue> | undefined {
  const o = f.object(v, path, 'any');
  if (!o) return undefined;
  const m = new Map<CborValue, CborValue>();
  let ok = true;
  for (const [name, value] of Object.entries(o)) {
    const key = paramKey(f, name, [...path, name]);
    const val = key === undefined ? undefined : readParamValue(f, key, value, [...path, name]);
    if (key === undefined || val === undefined) ok = false;
    else m.set(key, val);
  }
  return ok ? m : undefined;
}

function readSequenceBstr(f: Fields, v: unknown, path: FieldPath): Uint8Array | undefined {
  const seq = readCommands(f, v, path);
  return seq && encodeCbor(seq);
}

function readIndexed(f: Fields, v: unknown, path: FieldPath, value: (x: unknown, p: FieldPath) => CborValue | undefined): Map<CborValue, CborValue> | undefined {
  const list = f.list(v, path, 1);
  if (!list) return undefined;
  const m = new Map<CborValue, CborValue>();
  let ok = true;
  list.forEach((e, i) => {
    const o = f.object(e, [...path, i], ['index', 'parameters']);
    const idx = o && f.uint(f.required(o, 'index', [...path, i], 'the component index'), [...path, i, 'index']);
    const val = o && value(f.required(o, 'parameters', [...path, i], 'the parameters'), [...path, i, 'parameters']);
    if (idx === undefined || val === undefined) ok = false;
    else m.set(idx, val);
  });
  return ok ? m : undefined;
}

function readArg(f: Fields, code: number, v: unknown, path: FieldPath): CborValue | undefined {
  if (POLICY_COMMANDS.has(code)) return f.uint(v, path, undefined, 'a reporting policy');
  switch (code) {
    case 12:
      if (v === true) return true;
      if (Array.isArray(v)) {
        const l = v.map((x, i) => f.uint(x, [...path, i], undefined, 'a component index'));
        return l.every((x): x is bigint => x !== undefined) ? l : undefined;
      }
      return f.uint(v, path, undefined, 'a component index, true, or a list of indices');
    case 19:
    case 20:
      return readParams(f, v, path);
    case 15: {
      const list = f.list(v, path, 1);
      if (!list) return undefined;
      const alts = list.map((a, i) => (a === null && i === list.length - 1 ? null : readSequenceBstr(f, a, [...path, i])));
      return alts.every((a) => a !== undefined) ? (alts as CborValue[]) : undefined;
    }
    case 32:
      return readSequenceBstr(f, v, path);
    case 34:
      return readIndexed(f, v, path, (x, p) => readParams(f, x, p));
    case 35:
      return readIndexed(f, v, path, (x, p) => {
        const l = f.list(x, p, 1);
        const keys = l?.map((n, i) => (typeof n === 'string' ? paramKey(f, n, [...p, i]) : f.error([...p, i], 'expected a parameter name')));
        return keys?.every((k): k is number => k !== undefined) ? keys : undefined;
      });
  }
  return f.error(path, 'unknown command: write it as {command: <code>, argument: {cbor: <hex>}}');
}

/** A command list of the explicit form as the flat SUIT_Command_Sequence array. */
export function readCommands(f: Fields, v: unknown, path: FieldPath): CborValue[] | undefined {
  const list = f.list(v, path);
  if (!list) return undefined;
  const out: CborValue[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const p = [...path, i];
    const o = f.object(item, p, 'any');
    if (!o) return void (ok = false);
    const keys = Object.keys(o);
    if (keys.includes('command')) {
      const g = f.object(o, p, ['command', 'argument']);
      const cmd = g && (isRaw(g.command) ? readRaw(f, g.command, [...p, 'command']) : readInt(f, g.command, [...p, 'command']));
      const arg = g && f.has(g, 'argument') ? (isRaw(g.argument) ? readRaw(f, g.argument, [...p, 'argument']) : f.error([...p, 'argument'], 'expected {cbor: <hex>}')) : undefined;
      if (cmd === undefined || (g && f.has(g, 'argument') && arg === undefined)) return void (ok = false);
      out.push(cmd, ...(arg !== undefined ? [arg] : []));
      return;
    }
    if (keys.length !== 1) return void (ok = false, f.error(p, `expected one command, e.g. {condition-image-match: 15}, got ${keys.length} keys`));
    const name = keys[0]!;
    const code = (COMMAND.ids as Record<string, number>)[name];
    if (code === undefined) return void (ok = false, f.error([...p, name], `unknown command '${name}'`));
    const arg = readArg(f, code, o[name], [...p, name]);
    if (arg === undefined) return void (ok = false);
    out.push(code, arg);
  });
  return ok ? out : undefined;
}
