/**
 * HSS-LMS keys on the command line: `keygen --alg hss-lms` (a stateful .hss private key, mode 0600,
 * and a COSE_Key kty 5 public key), `manifest create` / `sign` with it, `verify` with the public
 * key, and the signer's one rule — a one-time key is never used twice, even when the signing
 * process is killed at any moment (checked by killing real processes mid-run, seeded).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as cborg from 'cborg';
import { describe, expect, it } from 'vitest';
import { keyId, loadVerificationKey } from '../../host/keys/index.js';
import { parseHssKeyText } from '../../host/keys/hss-file.js';
import { runCli } from '../helpers/cli.js';
import { hssVerifyReference } from '../helpers/rfc8554.js';
import { Rng, fuzzSeed } from '../core/fuzz-tools.js';
import { hex, readCbor, readDeterministic, Tagged } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('hss');
ws.write('app.bin', seededBytes('hss-app', 1500));
ws.write('spec.yaml', `template: download-install\nsequence-number: 3\n${EXAMPLE_IDENTITY}components:\n  - id: [app]\n    image: app.bin\n    integrated: true\n`);
const mode = (p: string) => statSync(p).mode & 0o777;
const nextLeaf = (file: string) => parseHssKeyText(readFileSync(file, 'utf8')).levels.map((l) => l.next);

/** The HSS signatures of an envelope's authentication blocks, with the Sig_structure each signs (RFC 9052 §4.4). */
function hssBlocks(envelope: Uint8Array): { sig: Uint8Array; tbs: Uint8Array }[] {
  const env = (readCbor(envelope) as Tagged).value as Map<number, Uint8Array>;
  const auth = readDeterministic(env.get(2)!) as Uint8Array[];
  return auth.slice(1).map((b) => {
    const [prot, , , sig] = (readDeterministic(b) as Tagged).value as [Uint8Array, unknown, null, Uint8Array];
    return { sig, tbs: cborg.encode(['Signature1', prot, new Uint8Array(0), auth[0]!]) };
  });
}

describe('suitrig keygen --alg hss-lms', () => {
  it('writes the stateful private key (0600) and a COSE_Key kty 5 public key whose id the CLI prints', async () => {
    const prefix = join(ws.dir, 'author');
    const r = await runCli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm32-h5-w4,m24-h5-w2', '--out', prefix]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(`${prefix}.hss`)).toBe(0o600);
    expect(readFileSync(`${prefix}.hss`, 'utf8')).toMatch(/^-----BEGIN SUITRIG HSS-LMS PRIVATE KEY-----\n/);
    const cose = readDeterministic(readFileSync(`${prefix}.pub.cose`)) as Map<number, unknown>;
    expect(cose.get(1)).toBe(5);
    const pub = cose.get(-1) as Uint8Array;
    // u32str(L = 2) || LMS_SHA256_M32_H5 (5) || LMOTS_SHA256_N32_W4 (3) || I || T[1]
    expect(hex(pub.subarray(0, 12))).toBe('000000020000000500000003');
    expect(pub.length).toBe(4 + 24 + 32);
    expect(r.stdout).toContain(`key id ${hex(keyId(loadVerificationKey(`${prefix}.pub.cose`)))}`);
    expect(nextLeaf(`${prefix}.hss`)).toEqual([1, 0]); // the top tree's leaf 0 signed the bottom tree
  });

  it('refuses level specs it cannot make, and --hss-levels for other algorithms (usage errors, exit 2)', async () => {
    for (const [args, msg] of [
      [['--alg', 'hss-lms', '--hss-levels', 'm32-h20-w4'], /--hss-levels: tree height 20: suitrig signs with trees of height 15 at most/],
      [['--alg', 'hss-lms', '--hss-levels', Array(9).fill('m32-h5-w1').join(',')], /1 to 8 levels/],
      [['--alg', 'hss-lms', '--hss-levels', 'm32-h5-w3'], /expected m24\|m32/],
      [['--alg', 'es256', '--hss-levels', 'm32-h5-w4'], /applies to --alg hss-lms only/],
    ] as const) {
      const r = await runCli(['keygen', ...args, '--out', join(ws.dir, 'never')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(ws.dir, 'never.hss'))).toBe(false);
  });
});

describe('signing with an HSS-LMS key', () => {
  it('manifest create and sign use a new one-time key each, saved before the envelope is written; verify accepts both signatures', async () => {
    const a = join(ws.dir, 'a');
    const b = join(ws.dir, 'b');
    for (const p of [a, b]) expect((await runCli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm32-h5-w2', '--out', p])).code).toBe(0);
    const one = join(ws.dir, 'one.suit');
    const r = await ws.manifestCreate('spec.yaml', `${a}.hss`, one);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('signed HSS-LMS (-46)');
    expect(nextLeaf(`${a}.hss`)).toEqual([1]);
    const two = join(ws.dir, 'two.suit');
    expect((await ws.manifestCreate('spec.yaml', `${a}.hss`, two)).code).toBe(0);
    expect(nextLeaf(`${a}.hss`)).toEqual([2]);
    const both = join(ws.dir, 'both.suit');
    const s = await runCli(['sign', two, '--key', `${b}.hss`, '--out', both]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain('HSS-LMS (-46)');
    // The same manifest signed twice by key a: two different leaves (q = 0, then 1).
    const [first] = hssBlocks(readFileSync(one));
    const [second, third] = hssBlocks(readFileSync(both));
    const q = (sig: Uint8Array) => new DataView(sig.buffer, sig.byteOffset).getUint32(4);
    expect([q(first!.sig), q(second!.sig), q(third!.sig)]).toEqual([0, 1, 0]);
    const pa = readDeterministic(readFileSync(`${a}.pub.cose`)) as Map<number, Uint8Array>;
    expect(hssVerifyReference(pa.get(-1)!, second!.tbs, second!.sig)).toBe(true);
    const v = await runCli(['verify', both, '--trust', `${a}.pub.cose`, '--trust', `operator=${b}.pub.cose`, '--require', 'author,operator', '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ accepted: true });
    const wrong = await runCli(['verify', one, '--trust', `${b}.pub.cose`, '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ accepted: false, reason: 'unauthorised' });
  });

  it('a lock left by a signer that died stops signing, with a message naming the lock; nothing is signed', async () => {
    const k = join(ws.dir, 'locked');
    expect((await runCli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm32-h5-w1', '--out', k])).code).toBe(0);
    writeFileSync(`${k}.hss.lock`, '999999999\n');
    const out = join(ws.dir, 'locked.suit');
    const r = await ws.manifestCreate('spec.yaml', `${k}.hss`, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${k}.hss.lock was left by a signer that stopped`);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(nextLeaf(`${k}.hss`)).toEqual([0]);
    unlinkSync(`${k}.hss.lock`);
    expect((await ws.manifestCreate('spec.yaml', `${k}.hss`, out)).code).toBe(0);
  });

  it('an exhausted key says so and signs nothing', async () => {
    const k = join(ws.dir, 'small');
    expect((await runCli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm24-h5-w8', '--out', k])).code).toBe(0);
    const text = readFileSync(`${k}.hss`, 'utf8');
    // Mark all 32 leaves used, as 32 signatures would have.
    const state = parseHssKeyText(text);
    state.levels[0]!.next = 32;
    const { armourHssState } = await import('../../host/keys/hss-file.js');
    writeFileSync(`${k}.hss`, armourHssState(state));
    const r = await ws.manifestCreate('spec.yaml', `${k}.hss`, join(ws.dir, 'small.suit'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the HSS key is exhausted');
  });
});

describe('killed signers never reuse a one-time key', () => {
  const seed = fuzzSeed();

  it(`signatures released by signers killed at random moments use each one-time key for one message only (seed ${seed})`, async () => {
    console.log(`hss-lms kill test: seed ${seed} (replay with SUITRIG_FUZZ_SEED=${seed})`);
    const rng = new Rng(seed);
    const k = join(ws.dir, 'killed');
    expect((await runCli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm32-h5-w2,m32-h5-w2', '--out', k])).code).toBe(0);
    const pub = (readDeterministic(readFileSync(`${k}.pub.cose`)) as Map<number, Uint8Array>).get(-1)!;
    const module = resolve(import.meta.dirname, '../../dist/host/keys/hss-file.js');
    // The child signs message after message, writing each signature as soon as it has it.
    const child = `import { signWithHssKeyFile } from ${JSON.stringify(module)}; import { writeSync } from 'node:fs';
      const [file, round] = process.argv.slice(1);
      for (let i = 0; ; i++) { const m = Buffer.from(round + '/' + i); writeSync(1, m.toString('hex') + ' ' + Buffer.from(signWithHssKeyFile(file, m)).toString('hex') + '\\n'); }`;
    const released: { msg: Buffer; sig: Buffer }[] = [];
    for (let round = 0; round < 6; round++) {
      const p = spawn(process.execPath, ['--input-type=module', '-e', child, `${k}.hss`, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // Let it sign for a while (long enough to renew bottom trees now and then), then kill -9.
      await new Promise((r) => setTimeout(r, 300 + rng.int(1500)));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('close', r));
      expect(err, 'the signer failed before it was killed').toBe('');
      // Only complete lines were released; the killed process left its lock behind.
      for (const line of out.split('\n').slice(0, -1)) {
        const [m, s] = line.split(' ');
        released.push({ msg: Buffer.from(m!, 'hex'), sig: Buffer.from(s!, 'hex') });
      }
      if (existsSync(`${k}.hss.lock`)) unlinkSync(`${k}.hss.lock`);
    }
    expect(released.length).toBeGreaterThan(10);
    // Every (tree I, leaf q) signs one message: the signed message for the bottom leaf, the child
    // public key for the leaves of the top tree.
    const used = new Map<string, string>();
    const note = (id: Buffer, q: number, signed: Buffer) => {
      const key = `${id.toString('hex')}/${q}`;
      const prev = used.get(key);
      expect(prev === undefined || prev === signed.toString('hex'), `one-time key ${key} signed two different messages`).toBe(true);
      used.set(key, signed.toString('hex'));
    };
    const lmsSigLen = 4 + (4 + 32 + 133 * 32) + 4 + 5 * 32;
    for (const { msg, sig } of released) {
      expect(hssVerifyReference(pub, msg, sig)).toBe(true);
      const topSig = sig.subarray(4, 4 + lmsSigLen);
      const childPub = sig.subarray(4 + lmsSigLen, 4 + lmsSigLen + 56);
      const bottomSig = sig.subarray(4 + lmsSigLen + 56);
      note(Buffer.from(pub.subarray(12, 28)), topSig.readUInt32BE(0), childPub);
      note(childPub.subarray(8, 24), bottomSig.readUInt32BE(0), msg);
    }
    console.log(`hss-lms kill test: ${released.length} signatures released by 6 killed signers, ${used.size} one-time keys, none reused`);
  }, 120_000);
});
