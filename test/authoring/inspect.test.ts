/** `suitrig inspect` over every published SUIT vector and over what suitrig writes. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEnvelope, inspectEnvelope, parseDescription, renderDiagnostic, renderReport, type EnvelopeReport } from '../../host/suit/index.js';
import { runCli } from '../helpers/cli.js';
import { sharedPath } from '../helpers/shared.js';
import { cbor, decoder } from '../core/envelope-builder.js';
import { Tag as CborTag } from 'cbor-x';
import { ietfExampleHex } from './support/cbor.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('inspect');

/** Every published SUIT envelope in the fixtures, by name. */
function vectors(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (let n = 0; n <= 5; n++) ietfExampleHex(n).forEach((b, i) => out.push([`ietf example${n} block ${i}`, b]));
  const hexFile = (p: string) => new Uint8Array(Buffer.from(readFileSync(p, 'utf8').replace(/\s/g, ''), 'hex'));
  for (const f of readdirSync(sharedPath('vectors', 'ietf-trust-domains')).filter((f) => f.endsWith('.hex'))) out.push([f, hexFile(sharedPath('vectors', 'ietf-trust-domains', f))]);
  for (const f of readdirSync(sharedPath('vectors', 'ietf-firmware-encryption')).filter((f) => f.endsWith('.hex.signed'))) out.push([f, hexFile(sharedPath('vectors', 'ietf-firmware-encryption', f))]);
  for (const f of readdirSync(sharedPath('vectors', 'libcsuit')).filter((f) => f.endsWith('.suit'))) out.push([f, new Uint8Array(readFileSync(sharedPath('vectors', 'libcsuit', f)))]);
  return out;
}

describe('inspect', () => {
  const all = vectors();

  it(`reads all ${all.length} published envelopes without problems, naming every command and parameter`, () => {
    expect(all.length).toBeGreaterThan(30);
    for (const [name, bytes] of all) {
      const r = inspectEnvelope(bytes);
      expect(r.problems, name).toEqual([]);
      const text = renderReport(r);
      expect(text, name).not.toMatch(/unknown-(command|parameter)/);
      expect(renderDiagnostic(bytes), name).toMatch(/^(107\(|\{)/);
    }
  });

  it('names HSS-LMS (-46) and shows an unknown algorithm as unknown with its number once', () => {
    const withAlg = (alg: number): Uint8Array => {
      const env = decoder.decode(Buffer.from(ietfExampleHex(0).at(-1)!)) as CborTag;
      const members = env.value as Map<number, Uint8Array>;
      const [digest, sign1] = decoder.decode(members.get(2)!) as [Uint8Array, Uint8Array];
      const block = decoder.decode(sign1) as CborTag;
      const [, unprot, payload, sig] = block.value as unknown[];
      members.set(2, cbor([digest, cbor(new CborTag([cbor(new Map([[1, alg]])), unprot, payload, sig], 18))]));
      return new Uint8Array(cbor(env));
    };
    const lms = withAlg(-46);
    expect(inspectEnvelope(lms).authentication!.blocks[0]).toMatchObject({ algorithm: 'HSS-LMS', algorithmId: -46 });
    expect(renderReport(inspectEnvelope(lms))).toMatch(/COSE_Sign1 {2}HSS-LMS \(-46\)/);
    expect(renderDiagnostic(lms)).toMatch(/\/ alg \/ 1: -46 \/ HSS-LMS \//);
    expect(renderReport(inspectEnvelope(withAlg(-99)))).toMatch(/COSE_Sign1 {2}unknown \(-99\) {2}key id/);
  });

  it('shows severed members, integrated dependencies and key ids', () => {
    const ex2 = ietfExampleHex(2);
    const severed = inspectEnvelope(ex2[1]!); // signed, severable elements removed
    expect(severed.manifest!.members.filter((m) => m.state === 'severed').map((m) => m.name)).toEqual(['install', 'text']);
    const full = inspectEnvelope(ex2[ex2.length - 1]!);
    expect(full.manifest!.members.filter((m) => m.state === 'severable').map((m) => [m.name, m.digestMatches])).toEqual([['install', true], ['text', true]]);
    const td = inspectEnvelope(new Uint8Array(Buffer.from(readFileSync(sharedPath('vectors', 'ietf-trust-domains', 'example2_integrated.hex'), 'utf8').replace(/\s/g, ''), 'hex')));
    expect(td.payloads[0]!.key).toBe('#dependent.suit');
    expect(td.payloads[0]!.envelope!.manifest!.componentId).toEqual(['dependent.suit']);
    expect(td.manifest!.dependencies).toEqual([{ component: 1, prefix: ['dependent.suit'] }]);
    expect(renderReport(td)).toMatch(/"#dependent\.suit" {2}190 bytes .*integrated dependency/);
  });

  it('prints names, --json and --diag through the CLI; exit 1 for an inconsistent envelope, 2 for other input', async () => {
    const ex3 = ietfExampleHex(3);
    const file = ws.write('ex3.suit', ex3[ex3.length - 1]!);
    const text = await runCli(['inspect', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/signature 1 +COSE_Sign1 {2}ES256 \(-7\)/);
    expect(text.stdout).toMatch(/directive-try-each\n +alternative 1:\n +directive-override-parameters\n +component-slot +0\n +condition-component-slot {2}\(report policy 5\)/);
    const json = await runCli(['inspect', file, '--json']);
    expect(JSON.parse(json.stdout).manifest.sequenceNumber).toBe(3);
    const diag = await runCli(['inspect', file, '--diag']);
    expect(diag.stdout).toContain('/ directive-try-each / 15, [');
    expect(diag.stdout).toContain('/ vendor-identifier / 1: h\'fa6b4a53d5ad5fdfbe9de663e4d41ffe\' / fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe /');

    const ex2 = ietfExampleHex(2);
    const tampered = new Uint8Array(ex2[ex2.length - 1]!);
    tampered[tampered.length - 3]! ^= 0x20; // inside the text member
    const bad = await runCli(['inspect', ws.write('tampered.suit', tampered)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/problem: text: the envelope element does not match the digest in the manifest/);
    const other = await runCli(['inspect', ws.write('image.bin', seededBytes('not-suit', 64))]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/not a recognised format \(expected: suit-envelope/);
    const missing = await runCli(['inspect', join(ws.dir, 'nope.suit')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.suit: no such file/);
  });

  it('gives a JSON-safe report for any sequence number: a number up to 2^53, a decimal string above', () => {
    ws.write('app.bin', seededBytes('inspect-app', 100));
    for (const [n, shown] of [['4294967296', 4294967296], ['18446744073709551615', '18446744073709551615']] as const) {
      const plan = parseDescription(`template: secure-boot\nsequence-number: ${n}\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin}\n`, { dir: ws.dir });
      const report = JSON.parse(JSON.stringify(inspectEnvelope(buildEnvelope(plan).envelope))) as EnvelopeReport;
      expect(report.manifest!.sequenceNumber).toBe(shown);
    }
  });

  it('never fails other than with a readable error on mutated envelopes (seeded)', () => {
    const seed = Number(process.env.SUITRIG_SEED ?? 20261125);
    const bases = all.map(([, b]) => b);
    let readable = 0;
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.boolean(), (which, flips, truncate) => {
        const b = new Uint8Array(bases[which]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        const input = truncate ? b.subarray(0, flips[0]![0] % b.length) : b;
        try {
          renderReport(inspectEnvelope(input));
          renderDiagnostic(input);
          readable++;
        } catch (e) {
          expect(['EnvelopeError', 'CborScanError'], `seed ${seed}: ${(e as Error).stack}`).toContain((e as Error).name);
        }
      }),
      { seed, numRuns: 400 },
    );
    expect(readable).toBeGreaterThan(0);
  });
});

