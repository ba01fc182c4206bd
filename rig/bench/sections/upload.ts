/**
 * Upload goodput over the paced serial link (issue 5 "Must show"): a 256 KiB image through the
 * image group of the virtual board (rig/virtual: the nRF52840-like part's real flash timings,
 * 85 ms per 4 KiB sector erase and 41 us per 4-byte write, with progressive erase) built with
 * SMP buffers of 2048 x 4, over console framing with 124-character lines, at 115200 and
 * 1,000,000 baud; in the same run, the stop-and-wait reference (one request in flight,
 * `buf_size` 384, as most clients talk to a default Zephyr board). Wall time over the paced
 * link; KB = 1000 bytes.
 *
 * Ceilings for the ratios: the line carries baud/10 bytes/s (8N1); console framing leaves
 * 3/4 (base64) x 124/127 (markers and newline) of that for SMP packets; the board's flash,
 * erasing and writing one after the other, takes at most 1 / (85 ms / 4096 B + 41 us / 4 B)
 * = ~32 KB/s, which is what bounds the 1,000,000 baud case.
 */
import { createHash } from 'node:crypto';
import { generateSigningKey, trustAnchorFor, type PrivateKey } from '../../../host/keys/index.js';
import { createImage, parseVersion, IMAGE_MAGIC } from '../../../host/mcuboot/index.js';
import { lineBytesPerSecond } from '../../../host/transport/line-rate.js';
import { buildAppImage, parseAppVersion } from '../../virtual/app/app-image.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile, type BoardProfile } from '../../virtual/profiles.js';
import type { BenchContext, BenchSection } from '../section.js';

/** mcumgr CLI over UART at 115200 (MCUboot's serial recovery documentation): 3.08 KiB/s. */
const MCUMGR_CLI_BYTES_PER_S = 3.08 * 1024;

interface Case {
  key: string;
  label: string;
  baud: number;
  bufSize: number;
  bufCount: number;
}

const CASES: Case[] = [
  { key: '115200', label: '115200 baud, buf 2048 x 4, pipelined', baud: 115200, bufSize: 2048, bufCount: 4 },
  { key: '115200_stop_and_wait', label: '115200 baud, buf 384 x 1, stop-and-wait', baud: 115200, bufSize: 384, bufCount: 1 },
  { key: '1000000', label: '1000000 baud, buf 2048 x 4, pipelined', baud: 1_000_000, bufSize: 2048, bufCount: 4 },
];

/** The default part (nRF52840-like) with the case's application SMP buffers. */
function partWith(c: Case): BoardProfile {
  const p = getProfile(DEFAULT_PROFILE);
  return { ...p, smp: { ...p.smp, app: { bufSize: c.bufSize, bufCount: c.bufCount } } };
}

async function measure(c: Case, image: Uint8Array, key: PrivateKey): Promise<{ bytesPerSecond: number; chunk: number; requests: number }> {
  const board = await VirtualBoard.open({ profile: partWith(c), trust: { anchors: [trustAnchorFor(key, 'author', 'bench key')], require: [] }, flashScale: 1, seed: 1 });
  try {
    // Setup (not measured): the application the uploads go through, as a programmer puts it there.
    const app = buildAppImage({ behaviour: 'healthy', version: parseAppVersion('1.0.0'), size: 16 * 1024 });
    const st = await board.program(createImage(app, { key, version: parseVersion('1.0.0'), securityCounter: 1 }));
    if (st.kind !== 'running') throw new Error(`bench board did not start its application: ${st.kind}`);
    const l = await board.connect({ baudRate: c.baud, seed: 1 });
    try {
      const t0 = performance.now();
      const r = await l.client.image.upload(image, { bufSize: c.bufSize, bufCount: c.bufCount });
      const seconds = (performance.now() - t0) / 1000;
      const held = board.firmware.areas.secondary.read(0, image.length);
      if (r.match !== true || createHash('sha256').update(held).digest('hex') !== createHash('sha256').update(image).digest('hex')) {
        throw new Error(`bench upload (${c.label}) did not leave the exact image on the board`);
      }
      return { bytesPerSecond: image.length / seconds, chunk: r.chunkSize.initial, requests: r.requests };
    } finally {
      await l.close();
    }
  } finally {
    await board.close();
  }
}

/** What the part's flash takes at most, erasing then writing one sector after the other, in bytes/s. */
function flashCeiling(p: BoardProfile): number {
  const sector = p.geometry.sectors[0]!.size;
  const eraseMs = p.timing.eraseMsBySectorSize[sector]!;
  return 1000 / (eraseMs / sector + p.timing.writeUs / 1000 / p.timing.writeUnit);
}

export const uploadSection: BenchSection = {
  name: 'upload',
  async run(ctx: BenchContext): Promise<Record<string, number>> {
    const size = (ctx.quick ? 64 : 256) * 1024;
    const image = Uint8Array.from({ length: size }, (_, i) => (i * 2654435761) >>> 24);
    // Filler behind an MCUboot header's magic: Zephyr's image group takes no first chunk without it.
    new DataView(image.buffer).setUint32(0, IMAGE_MAGIC, true);
    const figures: Record<string, number> = {};
    const key = generateSigningKey('es256') as PrivateKey;
    const flash = flashCeiling(getProfile(DEFAULT_PROFILE));
    ctx.log(`image ${size / 1024} KiB, virtual board (nRF52840-like flash timing, progressive erase), console framing 124-char lines`);
    for (const c of CASES) {
      const m = await measure(c, image, key);
      const line = lineBytesPerSecond(c.baud);
      const ceiling = line * (3 / 4) * (124 / 127);
      const kbps = m.bytesPerSecond / 1000;
      figures[`upload_kb_per_s_${c.key}`] = round(kbps);
      figures[`upload_line_rate_ratio_${c.key}`] = round(m.bytesPerSecond / line);
      figures[`upload_framing_ceiling_ratio_${c.key}`] = round(m.bytesPerSecond / ceiling);
      figures[`upload_flash_ceiling_ratio_${c.key}`] = round(m.bytesPerSecond / flash);
      ctx.log(
        `  ${c.label.padEnd(42)} ${kbps.toFixed(2).padStart(6)} KB/s  ${pct(m.bytesPerSecond / line)} of line rate, ` +
          `${pct(m.bytesPerSecond / ceiling)} of the base64 framing ceiling, ${pct(m.bytesPerSecond / flash)} of the flash ceiling  (${m.requests} requests of ${m.chunk} B)`,
      );
    }
    figures['upload_pipelined_vs_stop_and_wait_ratio'] = round(figures['upload_kb_per_s_115200']! / figures['upload_kb_per_s_115200_stop_and_wait']!);
    figures['upload_vs_mcumgr_cli_ratio_115200'] = round((figures['upload_kb_per_s_115200']! * 1000) / MCUMGR_CLI_BYTES_PER_S);
    ctx.log(
      `  pipelined / stop-and-wait at 115200: ${figures['upload_pipelined_vs_stop_and_wait_ratio']}x; ` +
        `vs the mcumgr CLI's 3.08 KiB/s: ${figures['upload_vs_mcumgr_cli_ratio_115200']}x`,
    );
    return figures;
  },
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
