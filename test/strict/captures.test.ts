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
import { decode as cborDecode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { ANSWERS, classify, schemaErrors, type Schema } from './answer-schemas.js';
import { sections, type Section } from './capture-file.js';
import { crc16, encodeFrame, FrameReader } from './console-frames.js';
import { parsePacket } from './strict-client.js';

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
