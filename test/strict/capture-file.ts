/**
 * The recorded SMP traffic of notes/smp-captures (test/fixtures/smp-captures), read section by
 * section: each `### title` with its request packet and the TX and RX frames as sent on the
 * wire (Python bytes literals, as the capture files print them).
 */
import { readFileSync } from 'node:fs';
import { sharedPath } from '../helpers/shared.js';

export interface Section {
  file: string;
  title: string;
  request?: Uint8Array;
  tx: Uint8Array[];
  rx: Uint8Array[];
}

/** A Python bytes literal as the capture files print them: b'\x06\tAB...\n'. */
function pyBytes(literal: string): Uint8Array {
  const m = /^b'(.*)'$/.exec(literal.trim());
  if (!m) throw new Error(`not a bytes literal: ${literal.slice(0, 40)}`);
  const s = m[1]!;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      out.push(s.charCodeAt(i));
      continue;
    }
    const c = s[++i]!;
    if (c === 'x') {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push({ t: 9, n: 10, r: 13, '\\': 92, "'": 39 }[c] ?? Number.NaN);
  }
  if (out.some((b) => Number.isNaN(b))) throw new Error(`unknown escape in ${literal.slice(0, 40)}`);
  return Uint8Array.from(out);
}

/** The sections of a capture file that recorded an answer. */
export function sections(file: string): Section[] {
  const out: Section[] = [];
  for (const line of readFileSync(sharedPath('smp-captures', file), 'utf8').split('\n')) {
    if (line.startsWith('### ')) out.push({ file, title: line.slice(4), tx: [], rx: [] });
    const cur = out[out.length - 1];
    if (!cur) continue;
    const req = /^request SMP packet \(\d+ B\): ([0-9a-f ]+)$/.exec(line);
    if (req) cur.request = Uint8Array.from(req[1]!.trim().split(' ').map((h) => parseInt(h, 16)));
    const frame = /^ {2}(TX|RX) frame \(\d+ B\): (b'.*')$/.exec(line);
    if (frame) (frame[1] === 'TX' ? cur.tx : cur.rx).push(pyBytes(frame[2]!));
  }
  return out.filter((s) => s.rx.length > 0);
}

