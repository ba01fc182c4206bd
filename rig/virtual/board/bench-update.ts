#!/usr/bin/env node
/**
 * `npm run bench:update [-- --json --size BYTES --bauds 115200,1000000 --flash-scale S]` (after
 * `npm run build:ts`): how long one SUIT update of the virtual board takes over the paced paired
 * link (8N1 line rate, console framing with 124-character lines, SMP buf 2048 x 4), with the
 * nRF52840-like part's real flash timings (85 ms per 4 KiB erase, 41 us per word) unless
 * --flash-scale says otherwise: the whole `runUpdate` (ES256 envelope, one payload, decision,
 * reset, what boots), the payload's goodput, and the reboot (swap + secure boot + application
 * start). Units in the names: `_ms`, `_kb_per_s` (1 KB = 1000 bytes), `_ratio`.
 */
import { parseArgs } from 'node:util';
import { createSigner } from '../../../host/cose/signer.js';
import { generateSigningKey, keyId, type PrivateKey } from '../../../host/keys/index.js';
import { runUpdate } from '../../../host/operator/update.js';
import { sha256Digest } from '../../../host/suit/digest.js';
import { buildEnvelope } from '../../../host/suit/envelope/build.js';
import { parseUuid } from '../../../host/suit/uuid.js';
import { lineBytesPerSecond } from '../../../host/transport/line-rate.js';
import { buildAppImage, parseAppVersion } from '../app/app-image.js';
import { getProfile, DEFAULT_PROFILE } from '../profiles.js';
import { VirtualBoard } from './board.js';

interface Figures {
  [name: string]: number;
}

async function measure(baud: number, size: number, scale: number, key: PrivateKey): Promise<Figures> {
  const profile = getProfile(DEFAULT_PROFILE);
  const vendorId = parseUuid(profile.identity.vendorId)!;
  const classId = parseUuid(profile.identity.classId)!;
  const anchor = { role: 'author', key: key.publicKey, id: keyId(key.publicKey), source: 'bench key' };
  const release = (version: string, sequence: bigint) => {
    const payload = buildAppImage({ behaviour: 'healthy', version: parseAppVersion(version), size });
    const envelope = buildEnvelope(
      {
        sequenceNumber: sequence,
        components: [{ id: [Uint8Array.of(0)], vendor: vendorId, class: classId, image: { digest: sha256Digest(payload), size, bytes: payload }, source: { uri: 'file://app.bin', integrated: false }, bootable: true }],
        dependencies: [],
        severable: false,
        template: 'download-install',
      },
      { signers: [createSigner(key)] },
    ).envelope;
    return { payload, envelope };
  };
  const board = await VirtualBoard.open({ profile, trust: { anchors: [anchor], require: [] }, flashScale: scale, seed: 1 });
  try {
    const link = await board.connect({ baudRate: baud, seed: 2 });
    const first = release('1.0.0', 1n);
    await runUpdate(link.client, first.envelope, { payloads: new Map([['file://app.bin', first.payload]]) });
    const next = release('1.1.0', 2n);
    const t0 = performance.now();
    const out = await runUpdate(link.client, next.envelope, { payloads: new Map([['file://app.bin', next.payload]]), predict: { trust: [anchor] } });
    const total = performance.now() - t0;
    await link.close();
    if (out.result !== 'updated') throw new Error(`bench update ended ${out.result}: ${out.message}`);
    const p = out.payloads[0]!;
    const kbps = p.bytes / p.ms;
    return {
      [`suit_update_ms_${baud}`]: Math.round(total),
      [`suit_payload_kb_per_s_${baud}`]: Number(kbps.toFixed(2)),
      [`suit_payload_line_ratio_${baud}`]: Number((kbps / (lineBytesPerSecond(baud) / 1000)).toFixed(3)),
      [`suit_reboot_ms_${baud}`]: Math.round(out.rebootMs ?? 0),
    };
  } finally {
    await board.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, size: { type: 'string', default: String(48 * 1024) }, bauds: { type: 'string', default: '115200,1000000' }, 'flash-scale': { type: 'string', default: '1' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`bench:update: ${(e as Error).message}\n`);
    return 2;
  }
  const size = Number(v.size);
  const scale = Number(v['flash-scale']);
  const bauds = v.bauds!.split(',').map(Number);
  if (!Number.isInteger(size) || size < 64 || !(scale >= 0) || bauds.some((b) => !Number.isInteger(b) || b < 1200)) {
    process.stderr.write('bench:update: --size must be an integer >= 64, --flash-scale >= 0, --bauds a list of baud rates\n');
    return 2;
  }
  const key = generateSigningKey('es256') as PrivateKey;
  const figures: Figures = { suit_update_payload_bytes: size, suit_update_flash_scale_ratio: scale };
  for (const baud of bauds) {
    if (!v.json) process.stderr.write(`measuring a ${size}-byte SUIT update at ${baud} baud (flash x${scale})...\n`);
    Object.assign(figures, await measure(baud, size, scale, key));
  }
  if (v.json) process.stdout.write(JSON.stringify(figures) + '\n');
  else for (const [k, x] of Object.entries(figures)) process.stdout.write(`${k.padEnd(36)} ${x}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
