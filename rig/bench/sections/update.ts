/**
 * One SUIT update of the virtual board over the paced paired link (DESIGN.md "Data flow of one
 * update"; 8N1 line rate, console framing with 124-character lines, the profile's SMP buffers) with the
 * nRF52840-like part's real flash timings (85 ms per 4 KiB erase, 41 us per word): the whole
 * `runUpdate` (prediction, ES256 envelope, one 48 KiB payload, decision, reset, what boots), the
 * payload's goodput and the reboot (swap + secure boot + application start).
 *
 * Reference in the same run, on the same board and the same link: the same payload bytes sent
 * as a plain image-group upload (what a SUIT update adds to moving the bytes: missing-image
 * bookkeeping, hashing and writing through the verifier core), and the line rate. `--quick`:
 * an 8 KiB payload and instant flash (a smoke run). KB = 1000 bytes.
 */
import { generateSigningKey, trustAnchorFor, type PrivateKey, type TrustAnchor } from '../../../host/keys/index.js';
import { createImage, parseVersion } from '../../../host/mcuboot/index.js';
import { runUpdate } from '../../../host/operator/update.js';
import { parseUuid } from '../../../host/util/uuid.js';
import { lineBytesPerSecond } from '../../../host/transport/line-rate.js';
import { buildAppImage, parseAppVersion } from '../../virtual/app/app-image.js';
import { APP_URI as URI, appUpdateEnvelope } from '../../suites/app-update.js';
import { VirtualBoard } from '../../virtual/board/board.js';
import { DEFAULT_PROFILE, getProfile, type BoardProfile } from '../../virtual/profiles.js';
import type { BenchContext, BenchSection } from '../section.js';

const BAUDS = [115200, 1_000_000];

interface Release {
  payload: Uint8Array;
  envelope: Uint8Array;
}

function release(profile: BoardProfile, key: PrivateKey, version: string, sequence: bigint, size: number): Release {
  const payload = buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size });
  const envelope = appUpdateEnvelope({ sequence, payload, vendor: parseUuid(profile.identity.vendorId)!, class: parseUuid(profile.identity.classId)! }, key);
  return { payload, envelope };
}

async function measure(baud: number, size: number, flashScale: number, key: PrivateKey, anchor: TrustAnchor): Promise<Record<string, number>> {
  const profile = getProfile(DEFAULT_PROFILE);
  const board = await VirtualBoard.open({ profile, trust: { anchors: [anchor], require: [] }, flashScale, seed: 1 });
  try {
    // Setup (not measured): a first SUIT image, over an unpaced link.
    const setup = await board.connect({ pace: false, seed: 2 });
    const first = release(profile, key, '1.0.0', 1n, size);
    const done = await runUpdate(setup.client, first.envelope, { payloads: new Map([[URI, first.payload]]) });
    await setup.close();
    if (done.result !== 'updated') throw new Error(`bench setup update ended ${done.result}: ${done.message}`);

    const link = await board.connect({ baudRate: baud, seed: 3 });
    try {
      const next = release(profile, key, '1.1.0', 2n, size);
      // Reference: the same bytes as a plain image upload to the same slot, same link (as an
      // MCUboot image: Zephyr's image group takes nothing else).
      const raw = await link.client.image.upload(createImage(next.payload, { key, version: parseVersion('1.1.0') }));
      if (raw.match !== true) throw new Error('bench reference upload did not verify on the board');
      const t0 = performance.now();
      const out = await runUpdate(link.client, next.envelope, { payloads: new Map([[URI, next.payload]]), predict: { trust: [anchor] } });
      const total = performance.now() - t0;
      if (out.result !== 'updated') throw new Error(`bench update ended ${out.result}: ${out.message}`);
      const p = out.payloads[0]!;
      const payloadKbps = p.bytes / p.ms;
      const rawKbps = raw.bytes / raw.elapsedMs;
      const lineKbps = lineBytesPerSecond(baud) / 1000;
      return {
        [`update_ms_${baud}`]: Math.round(total),
        [`update_payload_kb_per_s_${baud}`]: round(payloadKbps),
        [`update_raw_upload_kb_per_s_${baud}`]: round(rawKbps),
        [`update_payload_vs_raw_upload_ratio_${baud}`]: round(payloadKbps / rawKbps),
        [`update_payload_line_rate_ratio_${baud}`]: round(payloadKbps / lineKbps),
        [`update_reboot_ms_${baud}`]: Math.round(out.rebootMs ?? 0),
      };
    } finally {
      await link.close();
    }
  } finally {
    await board.close();
  }
}

export const updateSection: BenchSection = {
  name: 'update',
  async run(ctx: BenchContext): Promise<Record<string, number>> {
    const size = (ctx.quick ? 8 : 48) * 1024;
    const flashScale = ctx.quick ? 0 : 1;
    const key = generateSigningKey('es256') as PrivateKey;
    const anchor = trustAnchorFor(key, 'author', 'bench key');
    const buf = getProfile(DEFAULT_PROFILE).smp.app;
    ctx.log(`SUIT update of a ${size / 1024} KiB payload, ES256, ${flashScale ? 'nRF52840 flash timings' : 'instant flash'}, SMP buf ${buf.bufSize} x ${buf.bufCount}, console framing`);
    const figures: Record<string, number> = { update_payload_bytes: size };
    for (const baud of BAUDS) {
      const f = await measure(baud, size, flashScale, key, anchor);
      Object.assign(figures, f);
      ctx.log(
        `  ${String(baud).padStart(7)} baud: update ${(f[`update_ms_${baud}`]! / 1000).toFixed(1)} s, payload ${f[`update_payload_kb_per_s_${baud}`]} KB/s ` +
          `(${pct(f[`update_payload_vs_raw_upload_ratio_${baud}`]!)} of a plain image upload's ${f[`update_raw_upload_kb_per_s_${baud}`]} KB/s, ` +
          `${pct(f[`update_payload_line_rate_ratio_${baud}`]!)} of the line rate), reset to answering ${(f[`update_reboot_ms_${baud}`]! / 1000).toFixed(1)} s`,
      );
    }
    return figures;
  },
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
