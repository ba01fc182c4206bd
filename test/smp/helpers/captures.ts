/**
 * Reads the SMP traffic recorded from real devices (test/fixtures/smp-captures): each entry's
 * request packet, TX and RX frames (Python bytes literals), RX header and CBOR, and the decoded
 * RX body (a Python literal, parsed here into the values our decoder must produce).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sharedPath } from '../../helpers/shared.js';
import type { SmpValue } from '../../../host/smp/cbor.js';

export interface Capture {
  file: string;
  title: string;
  request?: Uint8Array;
  tx: Uint8Array[];
  rx: Uint8Array[];
  rxHeader?: Uint8Array;
  rxCbor?: Uint8Array;
  rxBody?: SmpValue;
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

export function loadCaptures(): Capture[] {
  const dir = sharedPath('smp-captures');
  const out: Capture[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    let cur: Capture | undefined;
    for (const line of readFileSync(`${dir}/${file}`, 'utf8').split('\n')) {
      const t = line.trim();
      if (t.startsWith('### ')) {
        cur = { file, title: t.slice(4), tx: [], rx: [] };
        out.push(cur);
        continue;
      }
      if (!cur) continue;
      let m;
      if ((m = /^request SMP packet \(\d+ B\): (.*)$/.exec(t))) cur.request = hex(m[1]!);
      else if ((m = /^TX frame \(\d+ B\): (b'.*')$/.exec(t))) cur.tx.push(pyBytes(m[1]!));
      else if ((m = /^RX frame \(\d+ B\): (b'.*')$/.exec(t))) cur.rx.push(pyBytes(m[1]!));
      else if ((m = /^RX header: ((?:[0-9a-f]{2} ){7}[0-9a-f]{2})/.exec(t))) cur.rxHeader = hex(m[1]!);
      else if ((m = /^RX CBOR \(\d+ B\): (.*)$/.exec(t))) cur.rxCbor = hex(m[1]!);
      else if ((m = /^RX body: (.*)$/.exec(t))) cur.rxBody = tryParsePy(m[1]!);
    }
  }
  return out;
}

/** Summary lines in the captures are sometimes cut short; those bodies are not vectors. */
function tryParsePy(src: string): SmpValue {
  try {
    return parsePy(src);
  } catch {
    return undefined;
  }
}

function pyBytes(lit: string): Uint8Array {
  return parsePy(lit) as Uint8Array;
}

/** Parses the Python literals in the captures: dict, list, str, bytes, int, True/False/None. */
export function parsePy(src: string): SmpValue {
  let i = 0;
  const ws = (): void => {
    while (src[i] === ' ') i++;
  };
  const str = (quote: string, bytes: boolean): string | Uint8Array => {
    const out: number[] = [];
    while (src[i] !== quote) {
      if (i >= src.length) throw new Error('unterminated string');
      let c = src[i++]!;
      if (c === '\\') {
        c = src[i++]!;
        const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, '0': 0 };
        if (c === 'x') {
          out.push(parseInt(src.slice(i, i + 2), 16));
          i += 2;
        } else if (c in simple) out.push(simple[c]!);
        else throw new Error(`unsupported escape \\${c}`);
      } else out.push(c.charCodeAt(0));
    }
    i++;
    return bytes ? Uint8Array.from(out) : Buffer.from(out).toString('latin1');
  };
  const value = (): SmpValue => {
    ws();
    const c = src[i]!;
    if (c === '{') {
      i++;
      const o: Record<string, SmpValue> = {};
      for (;;) {
        ws();
        if (src[i] === '}') return (i++, o);
        const k = value() as string;
        ws();
        i++; // ':'
        o[k] = value();
        ws();
        if (src[i] === ',') i++;
      }
    }
    if (c === '[') {
      i++;
      const a: SmpValue[] = [];
      for (;;) {
        ws();
        if (src[i] === ']') return (i++, a);
        a.push(value());
        ws();
        if (src[i] === ',') i++;
      }
    }
    if (c === 'b' && (src[i + 1] === "'" || src[i + 1] === '"')) {
      const q = src[i + 1]!;
      i += 2;
      return str(q, true);
    }
    if (c === "'" || c === '"') {
      i++;
      return str(c, false);
    }
    for (const [w, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (src.startsWith(w, i)) return (i += w.length, v);
    }
    const m = /^-?\d+/.exec(src.slice(i))!;
    i += m[0].length;
    return Number(m[0]);
  };
  return value();
}
