/**
 * The suit-rs vectors (../shared/vectors/suit-rs, EDN: CBOR diagnostic notation): the two SUIT
 * envelopes are IETF examples 0 and 1 (suit_validator's tests 0 and 1, signed anew), and the
 * ES256 COSE_Sign1 is the authentication block of example 0 (manifest-37 Appendix C). They are
 * turned into CBOR by a small EDN reader written here (the subset these files use: comments,
 * h'..' across lines, text, integers, null, arrays, maps, tags, << >> embedded CBOR), and the
 * core authenticates them. The generic COSE vectors (Ed448 COSE_Sign, HMAC COSE_Mac0 / COSE_Mac
 * with key wrap) are not SUIT envelopes and have no keys given; the HSS-LMS COSE_Sign1 is
 * verified by the core in test/core/hss-lms.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { verifyEnvelope } from '../../host/verifier/index.js';
import { parseEnvelope } from '../../host/suit/index.js';
import { readShared, readSharedJson } from '../helpers/shared.js';
import { IETF_KEY } from './corpus.js';

/** CBOR head of major type `major` with argument `n` (shortest form). */
function head(major: number, n: number): number[] {
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
  return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** EDN text (the subset above) -> the CBOR bytes it denotes, in the order written. */
function edn(text: string): Uint8Array {
  // Comments (/ ... /), but not inside text strings ("http://...").
  const src = text.replace(/"[^"]*"|\/[^/]*\//g, (t) => (t.startsWith('"') ? t : ' '));
  let i = 0;
  const ws = () => {
    while (i < src.length && /[\s,]/.test(src[i]!)) i++;
  };
  const item = (): number[] => {
    ws();
    if (src.startsWith("h'", i)) {
      const end = src.indexOf("'", i + 2);
      const hex = src.slice(i + 2, end).replace(/\s/g, '');
      i = end + 1;
      return [...head(2, hex.length / 2), ...Buffer.from(hex, 'hex')];
    }
    if (src.startsWith('<<', i)) {
      i += 2;
      const inner: number[] = [];
      for (ws(); !src.startsWith('>>', i); ws()) inner.push(...item());
      i += 2;
      return [...head(2, inner.length), ...inner];
    }
    const c = src[i]!;
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      const s = Buffer.from(src.slice(i + 1, end), 'utf8');
      i = end + 1;
      return [...head(3, s.length), ...s];
    }
    if (c === '[' || c === '{') {
      i++;
      const close = c === '[' ? ']' : '}';
      const out: number[] = [];
      let n = 0;
      for (ws(); src[i] !== close; ws()) {
        out.push(...item());
        n++;
        ws();
        if (src[i] === ':') i++;
      }
      i++;
      return [...head(c === '[' ? 4 : 5, c === '[' ? n : n / 2), ...out];
    }
    if (src.startsWith('null', i)) {
      i += 4;
      return [0xf6];
    }
    const m = /^-?[0-9]+/.exec(src.slice(i))!;
    i += m[0].length;
    ws();
    if (src[i] === '(') {
      i++;
      const v = item();
      ws();
      i++; // ')'
      return [...head(6, Number(m[0])), ...v];
    }
    const v = Number(m[0]);
    return v < 0 ? head(1, -1 - v) : head(0, v);
  };
  const bytes = item();
  return new Uint8Array(bytes);
}

const rfc = readSharedJson<{ examples: { name: string; envelope_hex: string }[] }>('vectors', 'rfc-examples.json').examples;
const ietf = (n: number) => new Uint8Array(Buffer.from(rfc.find((e) => e.name.startsWith(`example${n}`))!.envelope_hex, 'hex'));

describe('suit-rs vectors', () => {
  it.each([[0, 'suit_validator_tests_test0_example_0.edn'], [1, 'suit_validator_tests_test1_example_1.edn']])('IETF example %i as suit-rs signs it: authenticated, the same manifest', (n, file) => {
    const env = edn(readShared('vectors', 'suit-rs', file).toString('utf8'));
    const r = verifyEnvelope(env, { trust: [IETF_KEY] });
    expect(r).toMatchObject({ accepted: true, sequenceNumber: BigInt(n) });
    expect(r.manifestDigest).toEqual(verifyEnvelope(ietf(n), { trust: [IETF_KEY] }).manifestDigest);
  });

  it('the ES256 COSE_Sign1 is example 0\'s authentication block: in its wrapper, it authenticates the manifest', () => {
    const block = edn(readShared('vectors', 'suit-rs', 'cose_minicbor_tests_sign1_diags_sign1_es256.edn').toString('utf8'));
    // The diag file shows the untagged array; SUIT carries it tagged 18.
    const tagged = new Uint8Array([0xd2, ...block]);
    const env = ietf(0);
    const ex = verifyEnvelope(env, { trust: [IETF_KEY] });
    expect(ex.accepted).toBe(true);
    // Rebuild example 0 with this block as its only signature.
    const digestBstr = new Uint8Array([0x58, 0x24, 0x82, 0x2f, 0x58, 0x20, ...ex.manifestDigest!]);
    const auth = new Uint8Array([0x82, ...digestBstr, ...head(2, tagged.length), ...tagged]);
    const m = parseEnvelope(env).members.find((x) => x.key === 3)!;
    const manifestPart = new Uint8Array([...m.keyBytes, ...m.raw]);
    const rebuilt = new Uint8Array([0xd8, 0x6b, 0xa2, 0x02, ...head(2, auth.length), ...auth, ...manifestPart]);
    expect(verifyEnvelope(rebuilt, { trust: [IETF_KEY] })).toMatchObject({ accepted: true });
    // One bit of the signature changed: not authenticated.
    rebuilt[rebuilt.length - manifestPart.length - 5]! ^= 1;
    expect(verifyEnvelope(rebuilt, { trust: [IETF_KEY] })).toMatchObject({ accepted: false, reason: 'unauthorised' });
  });
});
