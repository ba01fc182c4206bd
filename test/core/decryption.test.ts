/**
 * Payload decryption in the core (draft-ietf-suit-firmware-encryption): the draft's four
 * COSE_Encrypt examples (AES-KW and ECDH-ES + AES-KW, each with AES-GCM and AES-CTR) decrypt to
 * the draft's plaintext; and a seeded differential test against node:crypto — random payloads
 * (across the 64 KiB IO window), every content algorithm (A128/192/256 GCM and CTR), AES-KW
 * recipients of every size and ECDH-ES + AES-KW ones, written, copied and fetched in random
 * chunks — where the component must hold exactly node:crypto's plaintext, no key material may stay
 * in core memory, and every mutation is refused (GCM: tag; CTR: image-match; wrapped key: no key).
 * SUITRIG_FUZZ_SEED replays, SUITRIG_FUZZ_RUNS sets the number of payloads per path.
 */
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, SuitProcessor, runWithPayloads, type FinishedRun } from '../../host/verifier/index.js';
import type { DecryptionKey } from '../../host/keys/index.js';
import { IETF_KEY } from '../vectors/corpus.js';
import { readShared } from '../helpers/shared.js';
import { Rng, fuzzRuns, fuzzSeed } from './fuzz-tools.js';
import { copyManifest, encrypt, fetchManifest, URI, writeManifest, type ContentAlg, type Encrypted, type Recipient } from './encryption-builder.js';

const PLAIN = 'This is a real firmware image.';
const hexFile = (f: string) => Buffer.from(readShared('vectors', 'ietf-firmware-encryption', f).toString('utf8').replace(/[^0-9a-fA-F]/g, ''), 'hex');
const KEK: DecryptionKey = { kind: 'kek', secret: Buffer.alloc(16, 0x61), kid: Buffer.from('kid-1'), source: 'draft KEK' };
const ECDH_D = Buffer.from('60FE6DD6D85D5740A5349B6F91267EEAC5BA81B8CB53EE249E4B4EB102C476B3', 'hex');
const DEVICE: DecryptionKey = { kind: 'ecdh-p256', secret: ECDH_D, kid: Buffer.from('kid-2'), source: 'draft P-256 key' };

type Path = 'write' | 'copy' | 'fetch';
const MANIFEST = { write: writeManifest, copy: copyManifest, fetch: fetchManifest } as const;

function run(path: Path, plain: Uint8Array, e: Encrypted, keys: DecryptionKey[], opts: { chunk?: number; delivered?: Uint8Array } = {}) {
  const platform = new MemoryPlatform();
  const processor = new SuitProcessor(platform, { variant: 'checked' });
  const env = MANIFEST[path](plain, e);
  const payloads = new Map(path === 'write' ? [] : [[URI, opts.delivered ?? e.ciphertext]]);
  const r = runWithPayloads(processor, env, { trust: [IETF_KEY], decrypt: keys, sequences: ['install'] }, payloads, { ...(opts.chunk ? { chunk: opts.chunk } : {}) });
  const memory = Buffer.from(processor.core.exports.memory.buffer);
  return { r, content: platform.content("[h'00']"), memory };
}

const summary = (r: FinishedRun) => `${r.reason}/${r.detail}: ${r.message}`;

describe('the COSE_Encrypt examples of the firmware-encryption draft', () => {
  it.each([
    ['aes-kw-aes-gcm', KEK],
    ['aes-kw-aes-ctr', KEK],
    ['es-ecdh-aes-gcm', DEVICE],
    ['es-ecdh-aes-ctr', DEVICE],
  ] as const)('%s decrypts, written, copied and fetched, to the draft\'s plaintext', (name, key) => {
    const e: Encrypted = { info: hexFile(`suit-encryption-info-${name}.hex`), ciphertext: hexFile(`encrypted-payload-${name}.hex`), cek: new Uint8Array(0), secrets: [] };
    const plain = Buffer.from(PLAIN);
    for (const path of ['write', 'copy', 'fetch'] as const) {
      const { r, content } = run(path, plain, e, [key]);
      expect(r.accepted, `${path}: ${summary(r)}`).toBe(true);
      expect(Buffer.from(content!).toString()).toBe(PLAIN);
    }
    // The other kind of key opens nothing.
    const { r } = run('write', plain, e, [key === KEK ? DEVICE : KEK]);
    expect(r).toMatchObject({ accepted: false, reason: 'operation-failed', detail: 'no-decryption-key', at: { sectionName: 'install', component: 0 } });
  });
});

/** A device P-256 key pair: the private scalar for the device, the public point for the sender. */
function p256Pair(rng: Rng): { d: Uint8Array; pub: Uint8Array } {
  const d = rng.bytes(32); // getPrivateKey() would drop leading zero bytes
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(d));
  return { d, pub: new Uint8Array(ecdh.getPublicKey()) };
}

const ALGS: ContentAlg[] = [1, 2, 3, -65534, -65533, -65532];

describe.each(['write', 'copy', 'fetch'] as const)('differential against node:crypto (%s)', (path) => {
  const seed = fuzzSeed();
  const runs = fuzzRuns(60);

  it(`decrypts what node:crypto encrypted, keeps no key, refuses every mutation (seed ${seed}, ${runs} payloads)`, () => {
    console.log(`decryption ${path}: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed}), ${runs} payloads`);
    const rng = new Rng(seed ^ path.length);
    const random = (n: number) => rng.bytes(n);
    for (let i = 0; i < runs; i++) {
      const alg = rng.pick(ALGS);
      const gcm = alg > 0;
      // Mostly small payloads; some cross the 64 KiB IO window (written content lives in the
      // manifest, whose region is 64 KiB: smaller there).
      const large = path === 'write' ? 20_000 + rng.int(30_000) : 60_000 + rng.int(80_000);
      const len = rng.int(5) === 0 ? large : rng.int(3000);
      const plain = rng.bytes(len);
      // Two to three recipients; the device holds the key of one of them (and a key that fits none).
      const device: DecryptionKey[] = [];
      const recipients: Recipient[] = [];
      const mine = rng.int(3);
      for (let j = 0; j < 3; j++) {
        if (rng.int(2) === 0) {
          const kek = rng.bytes(rng.pick([16, 24, 32]));
          recipients.push({ kind: 'kek', kek, ...(rng.int(2) ? { kid: rng.bytes(4) } : {}) });
          if (j === mine) device.push({ kind: 'kek', secret: kek, source: 'test kek' });
        } else {
          const pair = p256Pair(rng);
          recipients.push({ kind: 'ecdh', publicKey: pair.pub, kwAlg: rng.pick([-3, -4, -5] as const) });
          if (j === mine) device.push({ kind: 'ecdh-p256', secret: pair.d, source: 'test p256' });
        }
      }
      device.unshift({ kind: 'kek', secret: rng.bytes(16), source: 'unrelated kek' });
      const e = encrypt(plain, alg, recipients, random);
      const where = `run ${i}: alg ${alg}, ${len} bytes, recipients ${recipients.map((r) => r.kind).join('/')}, device opens ${mine}`;
      const chunk = 1 + rng.int(70_000);
      const ok = run(path, plain, e, device, { chunk });
      expect(ok.r.accepted, `${where}: ${summary(ok.r)}`).toBe(true);
      expect(Buffer.from(ok.content!).equals(Buffer.from(plain)), where).toBe(true);
      for (const s of e.secrets) expect(ok.memory.indexOf(Buffer.from(s)), `${where}: key material left in core memory`).toBe(-1);

      // A changed ciphertext byte (or, for GCM, a byte of the tag).
      const bad = Buffer.from(e.ciphertext);
      if (bad.length > 0) {
        bad[rng.int(bad.length)]! ^= 1 << rng.int(8);
        const m = path === 'write' ? run(path, plain, { ...e, ciphertext: bad }, device) : run(path, plain, e, device, { chunk, delivered: bad });
        expect(m.r.accepted, `${where}: a changed ciphertext was accepted`).toBe(false);
        if (path === 'copy') expect(m.r.detail, where).toBe('image-match'); // copy checks the ciphertext's digest first
        else expect(m.r.detail, where).toBe(gcm ? 'decryption-failed' : 'image-match');
        for (const s of e.secrets) expect(m.memory.indexOf(Buffer.from(s)), `${where}: key material left after a failure`).toBe(-1);
      }
      // The device without its key.
      const none = run(path, plain, e, device.slice(0, 1));
      expect(none.r, where).toMatchObject({ accepted: false, detail: 'no-decryption-key' });
    }
  }, 600_000);
});
