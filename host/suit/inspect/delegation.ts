/**
 * What `inspect` shows of an envelope's suit-delegation chains (envelope key 1; see
 * assembly/delegation.ts for how a device checks them): per link, who signed it (algorithm, key
 * id) and which key it vouches for (family, key id), with its validity times. Signatures are not
 * checked here: that needs the device's trust anchors (`suitrig verify`).
 */
import { algorithmName } from '../../cose/algorithms.js';
import { HEADER } from '../../cose/structures.js';
import { decodeCbor, Tag } from '../cbor/decode.js';
import { toHex } from '../../util/hex.js';

export interface DelegationLink {
  alg?: string;
  issuerKid?: string;
  /** The key vouched for: p256, ed25519, or what the COSE_Key says. */
  subject?: string;
  subjectKid?: string;
  expires?: string;
  notBefore?: string;
}

const date = (v: unknown): string | undefined => (typeof v === 'number' || typeof v === 'bigint' ? new Date(Number(v) * 1000).toISOString() : undefined);

function link(v: unknown): DelegationLink {
  let cwt = v instanceof Uint8Array ? decodeCbor(v, 'CWT') : v;
  if (cwt instanceof Tag && cwt.tag === 61) cwt = cwt.value;
  if (!(cwt instanceof Tag) || cwt.tag !== 18 || !Array.isArray(cwt.value)) return {};
  const [prot, unprot, payload] = cwt.value as unknown[];
  const p = prot instanceof Uint8Array && prot.length ? decodeCbor(prot, 'protected header') : undefined;
  const alg = p instanceof Map ? p.get(HEADER.alg) : undefined;
  const kid = unprot instanceof Map ? unprot.get(HEADER.kid) : undefined;
  const claims = payload instanceof Uint8Array ? decodeCbor(payload, 'claims') : undefined;
  const cnf = claims instanceof Map ? claims.get(8) : undefined;
  const key = cnf instanceof Map ? cnf.get(1) : undefined;
  const out: DelegationLink = {};
  if (typeof alg === 'number') out.alg = algorithmName(alg);
  if (kid instanceof Uint8Array) out.issuerKid = toHex(kid);
  if (key instanceof Map) {
    out.subject = key.get(1) === 2 && key.get(-1) === 1 ? 'p256' : key.get(1) === 1 && key.get(-1) === 6 ? 'ed25519' : `kty ${String(key.get(1))} crv ${String(key.get(-1))}`;
    if (key.get(2) instanceof Uint8Array) out.subjectKid = toHex(key.get(2) as Uint8Array);
  }
  const exp = claims instanceof Map ? date(claims.get(4)) : undefined;
  const nbf = claims instanceof Map ? date(claims.get(5)) : undefined;
  if (exp) out.expires = exp;
  if (nbf) out.notBefore = nbf;
  return out;
}

/** The chains of a suit-delegation member's contents; throws on CBOR that is not one. */
export function delegationChains(content: Uint8Array): DelegationLink[][] {
  const v = decodeCbor(content, 'suit-delegation');
  if (!Array.isArray(v)) throw new Error('suit-delegation is not a list of chains');
  return v.map((chain) => (Array.isArray(chain) ? chain.map(link) : []));
}

export function delegationLine(l: DelegationLink): string {
  return `${l.alg ?? '?'} key ${l.issuerKid ?? '(no key id)'} vouches for ${l.subject ?? '?'} key ${l.subjectKid ?? '(no key id)'}${l.notBefore ? ` from ${l.notBefore}` : ''}${l.expires ? ` until ${l.expires}` : ''}`;
}
