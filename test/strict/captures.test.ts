/**
 * The strict client proven on real firmware first: every frame recorded from Zephyr 4.4.0's
 * smp_server (native_sim, and the application on mps2-an385) and from MCUboot's serial
 * recovery (test/fixtures/smp-captures, notes/smp.md) goes through the strict client's own
 * framing, header and schemas. Its encoder must reproduce every recorded request frame byte for
 * byte; every recorded answer must decode and match exactly the schema of its command or an
 * error form. So when the strict client rejects an answer of the virtual board, the board is
 * what differs from real firmware. The schemas are also shown to reject what real firmware
 * never sends (a legacy `rc` in a Zephyr answer, flags in MCUboot's image list).
 */
import { readFileSync } from 'node:fs';
import { decode as cborDecode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../helpers/shared.js';
import { ANSWERS, classify, schemaErrors, type Schema } from './answer-schemas.js';
import { crc16, encodeFrame, FrameReader } from './console-frames.js';
import { parsePacket } from './strict-client.js';

interface Section {
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

function sections(file: string): Section[] {
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

const FILES = ['captures-native_sim.txt', 'captures-app-img.txt', 'captures-mcuboot-qemu.txt'];
const all = FILES.flatMap(sections);

/** The success schema of the command a section records (undefined: error answers only are known for it). */
function schemaFor(s: Section, group: number, command: number, op: number): Schema | undefined {
  const recovery = s.title.startsWith('RECOVERY');
  const request = s.request && s.request.length > 8 ? (cborDecode(s.request.subarray(8)) as Record<string, unknown>) : {};
  if (group === 0) {
    if (command === 0) return ANSWERS.echo;
    if (command === 5) return recovery ? ANSWERS.recoveryReset : ANSWERS.reset;
    if (command === 6) return ANSWERS.params;
    if (command === 7) return ANSWERS.osInfo;
    if (command === 8) return 'query' in request ? ANSWERS.bootloaderMode : ANSWERS.bootloaderName;
  }
  if (group === 1) {
    if (command === 0) return op === 1 && recovery ? ANSWERS.recoveryImageList : ANSWERS.imageState;
    if (command === 1) return recovery ? ANSWERS.recoveryUpload : ANSWERS.upload;
    if (command === 5) return ANSWERS.erase;
    if (command === 6) return ANSWERS.slotInfo;
  }
  return undefined;
}

function decodeAll(frames: Uint8Array[]): { packets: Uint8Array[]; bad: string[]; console: string[] } {
  const got = { packets: [] as Uint8Array[], bad: [] as string[], console: [] as string[] };
  const r = new FrameReader({ packet: (p) => void got.packets.push(p), bad: (b) => void got.bad.push(b), console: (c) => void got.console.push(c) });
  for (const f of frames) r.push(f);
  return got;
}

describe('the strict client against recorded real firmware', () => {
  it('CRC-16/XMODEM check value', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });

  it(`reads ${all.length} recorded answers of ${FILES.length} captures; each matches its command's schema or an error form exactly`, () => {
    const seen = { ok: 0, rc: 0, group: 0, unchecked: 0 };
    for (const s of all) {
      const where = `${s.file} "${s.title}"`;
      const { packets, bad, console } = decodeAll(s.rx);
      expect(bad, where).toEqual([]);
      expect(console, where).toEqual([]);
      expect(packets, where).toHaveLength(1);
      const a = parsePacket(packets[0]!);
      expect(a.header.flags, where).toBe(0);
      const schema = schemaFor(s, a.header.group, a.header.command, a.header.op);
      const c = classify(a.body, schema ?? { required: { never: 'bool' } });
      if (c.kind === 'invalid') {
        if (!schema) {
          seen.unchecked++; // enumeration group answers: no schema here
          continue;
        }
        expect.fail(`${where}: ${c.errors.join('; ')}`);
      }
      seen[c.kind]++;
    }
    // 19 success answers, 10 rc errors, 1 group error; 2 enumeration answers have no schema here.
    expect(seen).toEqual({ ok: 19, rc: 10, group: 1, unchecked: 2 });
  });

  it('its encoder reproduces every recorded request frame byte for byte', () => {
    let n = 0;
    for (const s of all) {
      if (!s.request || s.tx.length === 0) continue;
      expect(Buffer.from(encodeFrame(s.request)).toString('latin1'), `${s.file} "${s.title}"`).toBe(Buffer.concat(s.tx).toString('latin1'));
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(30);
  });

  it('real answers keep to 127-byte lines', () => {
    const lengths = all.flatMap((s) => s.rx.map((f) => f.length));
    expect(Math.max(...lengths)).toBe(127);
  });

  it('the schemas reject what real firmware does not send', () => {
    const hash = new Uint8Array(32);
    expect(schemaErrors({ rc: 0, r: 'hi' }, ANSWERS.echo)).toEqual(['answer: unexpected field "rc"']);
    expect(classify({ rc: 0, off: 200 }, ANSWERS.upload).kind).toBe('invalid');
    expect(schemaErrors({ images: [{ slot: 0, hash, version: '1.0.0', active: true }] }, ANSWERS.recoveryImageList)).toEqual(['answer.images[0]: unexpected field "active"']);
    expect(schemaErrors({ off: 256 }, ANSWERS.recoveryUpload)).toEqual(['answer: missing field "rc"']);
    expect(schemaErrors({ images: [{ slot: 0, hash: hash.subarray(1), version: '1.0.0' }] }, ANSWERS.imageState)).toEqual(['answer.images[0].hash: not a 32/48/64-byte hash']);
    expect(classify({ rc: 8 }, ANSWERS.echo).kind).toBe('rc');
    expect(classify({ err: { group: 0, rc: 2 } }, ANSWERS.osInfo).kind).toBe('group');
    expect(classify({ err: { group: 0, rc: 2, x: 1 } }, ANSWERS.osInfo).kind).toBe('invalid');
  });
});
