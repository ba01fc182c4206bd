/**
 * What a SUIT envelope says, as a JSON-safe report with names for every label
 * (draft-ietf-suit-manifest-37 §8, trust-domains-11, update-management-14): authentication
 * wrapper (digest, and per block structure, algorithm and key id), manifest (components,
 * dependencies, every command sequence with its commands and parameters), severable members
 * (present, severed, digest checked), text, integrated payloads and dependencies. It checks
 * digests but no signatures: that needs trust anchors (`suitrig verify`).
 */
import { sha256 } from '../digest.js';
import { decodeCbor, Tag } from '../cbor/decode.js';
import { algorithmName } from '../../cose/algorithms.js';
import { HEADER } from '../../cose/structures.js';
import { COMMAND, COMMON, COMPONENT_TEXT, DEPENDENCY_METADATA, ENVELOPE, MANIFEST, PARAMETER, SEQUENCE_MEMBERS, SEVERABLE_MEMBERS, TAG, TEXT, UUID_PARAMETERS, labelName } from '../labels.js';
import { manifestDigestMatches, parseEnvelope, type ParsedEnvelope } from '../envelope/parse.js';
import { componentIdText, digestInfo, plain, uuidText, type DigestInfo } from './values.js';
import { encryptionSummary } from './encryption.js';
import { toHex } from '../../util/hex.js';
import { delegationChains, type DelegationLink } from './delegation.js';

export interface AuthBlockInfo {
  structure: string;
  algorithm?: string;
  algorithmId?: number;
  keyId?: string;
  /** Length of the signature or MAC value. */
  valueBytes?: number;
  detachedPayload?: boolean;
  problem?: string;
}

export interface CommandInfo {
  command: string;
  id: number;
  /** Reporting policy of conditions and most directives. */
  policy?: number;
  /** set-component-index: an index, true (all), or a list. */
  component?: number | boolean | number[];
  /** override-/set-parameters. */
  parameters?: Record<string, unknown>;
  /** try-each alternatives; run-sequence has one. */
  sequences?: CommandInfo[][];
  argument?: unknown;
}

export interface MemberInfo {
  name: string;
  key: number;
  /** present: in the manifest; severable: digest in the manifest, element in the envelope; severed: digest only. */
  state: 'present' | 'severable' | 'severed';
  digest?: DigestInfo;
  digestMatches?: boolean;
  commands?: CommandInfo[];
  text?: Record<string, unknown>;
  value?: unknown;
  problem?: string;
}

export interface PayloadInfo {
  key: string;
  bytes: number;
  sha256: string;
  /** An integrated dependency (trust-domains §6.1.1): the envelope it holds. */
  envelope?: EnvelopeReport;
}

export interface EnvelopeReport {
  format: 'suit-envelope';
  tagged: boolean;
  bytes: number;
  authentication?: { digest?: DigestInfo; digestMatchesManifest: boolean; blocks: AuthBlockInfo[] };
  manifest?: {
    version: unknown;
    sequenceNumber: unknown;
    referenceUri?: string;
    componentId?: string[];
    components: string[][];
    dependencies?: { component: number; prefix?: string[] }[];
    shared?: CommandInfo[];
    members: MemberInfo[];
  };
  payloads: PayloadInfo[];
  /** suit-delegation chains (envelope key 1), link by link. */
  delegation?: DelegationLink[][];
  unknownMembers: { key: unknown; bytes: number }[];
  problems: string[];
}

const MAX_NESTING = 6;

/** Manifest members the report shows in fields of their own rather than in `members`. */
const SHOWN_ABOVE = new Set<number>(
  (['manifest-version', 'manifest-sequence-number', 'common', 'reference-uri', 'manifest-component-id'] as const).map((n) => MANIFEST.ids[n]),
);

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

class Inspector {
  readonly problems: string[] = [];

  constructor(private readonly depth: number) {}

  decode(bytes: Uint8Array, what: string): unknown {
    try {
      return decodeCbor(bytes, what);
    } catch (e) {
      this.problems.push((e as Error).message);
      return undefined;
    }
  }

  parameters(m: unknown, nesting: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!(m instanceof Map)) return out;
    for (const [k, v] of m) {
      const name = labelName(PARAMETER.names, k as number, 'parameter');
      if (k === PARAMETER.ids['image-digest'] && v instanceof Uint8Array) out[name] = digestInfo(this.decode(v, 'image-digest')) ?? plain(v);
      else if (UUID_PARAMETERS.has(k as number) && uuidText(v)) out[name] = uuidText(v);
      else if (k === PARAMETER.ids.uri && typeof v === 'string') out[name] = v;
      else if (k === PARAMETER.ids['encryption-info'] && v instanceof Uint8Array) out[name] = { bytes: v.length, ...encryptionSummary(v), cose: plain(this.decode(v, 'encryption-info'), nesting) };
      else out[name] = plain(v);
    }
    return out;
  }

  commands(seq: unknown, nesting: number, what: string): CommandInfo[] {
    if (!Array.isArray(seq)) {
      this.problems.push(`${what}: not a command sequence (expected an array)`);
      return [];
    }
    if (seq.length % 2 !== 0) this.problems.push(`${what}: odd number of items; a command sequence is command/argument pairs`);
    const out: CommandInfo[] = [];
    for (let i = 0; i + 1 < seq.length; i += 2) {
      const id = num(seq[i]);
      const arg = seq[i + 1];
      if (id === undefined) {
        this.problems.push(`${what}: command ${i / 2} is not an integer`);
        out.push({ command: 'invalid', id: NaN, argument: plain(arg) });
        continue;
      }
      const c: CommandInfo = { command: labelName(COMMAND.names, id, 'command'), id };
      if (id === COMMAND.ids['directive-set-component-index']) c.component = Array.isArray(arg) ? arg.map(Number) : typeof arg === 'boolean' ? arg : Number(arg);
      else if (id === COMMAND.ids['directive-override-parameters'] || id === COMMAND.ids['directive-set-parameters']) c.parameters = this.parameters(arg, nesting);
      else if (id === COMMAND.ids['directive-try-each'] || id === COMMAND.ids['directive-run-sequence']) c.sequences = this.nested(arg, nesting, `${what} ${c.command}`);
      else if (id >= 0 && num(arg) !== undefined) c.policy = num(arg)!;
      else c.argument = plain(arg);
      out.push(c);
    }
    return out;
  }

  private nested(arg: unknown, nesting: number, what: string): CommandInfo[][] {
    if (nesting >= MAX_NESTING) {
      this.problems.push(`${what}: nested deeper than ${MAX_NESTING} levels, not shown`);
      return [];
    }
    const items = arg instanceof Uint8Array ? [arg] : Array.isArray(arg) ? arg : [];
    return items.filter((x): x is Uint8Array => x instanceof Uint8Array).map((b, i) => this.commands(this.decode(b, `${what} [${i}]`), nesting + 1, `${what} [${i}]`));
  }

  text(v: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!(v instanceof Map)) return out;
    for (const [lang, lmap] of v) {
      const l: Record<string, unknown> = {};
      if (lmap instanceof Map) {
        const components: { component: string[] | undefined; fields: Record<string, unknown> }[] = [];
        for (const [k, x] of lmap) {
          if (Array.isArray(k)) {
            const fields: Record<string, unknown> = {};
            if (x instanceof Map) for (const [ck, cx] of x) fields[labelName(COMPONENT_TEXT.names, ck as number, 'text')] = plain(cx);
            components.push({ component: componentIdText(k), fields });
          } else {
            l[labelName(TEXT.names, k as number, 'text')] = plain(x);
          }
        }
        if (components.length > 0) l.components = components;
      }
      out[String(lang)] = l;
    }
    return out;
  }

  authBlock(bytes: Uint8Array): AuthBlockInfo {
    const v = this.decode(bytes, 'authentication block');
    const structures: Record<number, string> = { [TAG.coseSign1]: 'COSE_Sign1', [TAG.coseSign]: 'COSE_Sign', [TAG.coseMac0]: 'COSE_Mac0', [TAG.coseMac]: 'COSE_Mac' };
    if (!(v instanceof Tag) || !Array.isArray(v.value) || v.value.length !== 4) return { structure: 'unknown', problem: 'not a tagged COSE message' };
    const [prot, unprot, payload, value] = v.value as unknown[];
    const info: AuthBlockInfo = { structure: structures[Number(v.tag)] ?? `tag ${String(v.tag)}` };
    const p = prot instanceof Uint8Array && prot.length > 0 ? this.decode(prot, 'protected header') : new Map();
    const alg = p instanceof Map ? num(p.get(HEADER.alg)) : undefined;
    if (alg !== undefined) {
      info.algorithmId = alg;
      info.algorithm = algorithmName(alg);
    }
    const kid = (unprot instanceof Map ? unprot.get(HEADER.kid) : undefined) ?? (p instanceof Map ? p.get(HEADER.kid) : undefined);
    if (kid instanceof Uint8Array) info.keyId = toHex(kid);
    info.detachedPayload = payload === null;
    if (value instanceof Uint8Array) info.valueBytes = value.length;
    else if (Array.isArray(value)) info.valueBytes = value.length; // COSE_Sign / COSE_Mac: list of signatures / recipients
    return info;
  }

  member(name: string, key: number, inManifest: unknown, env: ParsedEnvelope): MemberInfo {
    const info: MemberInfo = { name, key, state: 'present' };
    let content: Uint8Array | undefined;
    if (Array.isArray(inManifest) && (SEVERABLE_MEMBERS as readonly string[]).includes(name)) {
      info.digest = digestInfo(inManifest);
      const element = env.members.find((m) => m.key === key);
      if (!element?.content) {
        info.state = 'severed';
        return info;
      }
      info.state = 'severable';
      const expected = toHex(sha256(element.raw));
      info.digestMatches = info.digest?.algorithmId === -16 && info.digest.hex === expected;
      if (!info.digestMatches) this.problems.push(`${name}: the envelope element does not match the digest in the manifest`);
      content = element.content;
    } else if (inManifest instanceof Uint8Array) {
      content = inManifest;
    } else {
      info.value = plain(inManifest);
      return info;
    }
    const decoded = this.decode(content, name);
    if (name === 'text') info.text = this.text(decoded);
    else if ((SEQUENCE_MEMBERS as readonly string[]).includes(name)) info.commands = this.commands(decoded, 0, name);
    else info.value = plain(decoded);
    return info;
  }

  envelope(bytes: Uint8Array): EnvelopeReport {
    const env = parseEnvelope(bytes);
    const report: EnvelopeReport = { format: 'suit-envelope', tagged: env.tagged, bytes: bytes.length, payloads: [], unknownMembers: [], problems: this.problems };
    if (env.authentication) {
      const matches = manifestDigestMatches(env);
      if (!matches) this.problems.push('the authentication wrapper digest does not match the manifest');
      report.authentication = {
        digest: digestInfo([env.authentication.digest.algorithm, env.authentication.digest.bytes]),
        digestMatchesManifest: matches,
        blocks: env.authentication.blocks.map((b) => this.authBlock(b)),
      };
    } else {
      this.problems.push('no authentication wrapper: the envelope is not signed');
    }
    const manifest = this.decode(env.manifest.content, 'manifest');
    if (manifest instanceof Map) report.manifest = this.manifest(manifest, env);
    else this.problems.push('the manifest is not a CBOR map');

    const known = new Set<unknown>([ENVELOPE.ids['authentication-wrapper'], ENVELOPE.ids.manifest, ...SEVERABLE_MEMBERS.map((m) => ENVELOPE.ids[m])]);
    for (const m of env.members) {
      if (typeof m.key === 'string' && m.content) {
        const p: PayloadInfo = { key: m.key, bytes: m.content.length, sha256: toHex(sha256(m.content)) };
        if (this.depth < 2 && (m.content[0] === 0xd8 && m.content[1] === TAG.envelope)) {
          try {
            p.envelope = new Inspector(this.depth + 1).envelope(m.content);
          } catch {
            // not an envelope after all: an ordinary payload
          }
        }
        report.payloads.push(p);
      } else if (m.key === ENVELOPE.ids.delegation && m.content) {
        try {
          report.delegation = delegationChains(m.content);
        } catch (e) {
          this.problems.push(`suit-delegation: ${(e as Error).message}`);
        }
      } else if (!known.has(m.key)) {
        report.unknownMembers.push({ key: m.key ?? 'non-integer key', bytes: m.raw.length });
      }
    }
    return report;
  }

  manifest(m: Map<unknown, unknown>, env: ParsedEnvelope): NonNullable<EnvelopeReport['manifest']> {
    const common = m.get(MANIFEST.ids.common);
    const c = common instanceof Uint8Array ? this.decode(common, 'common') : undefined;
    const out: NonNullable<EnvelopeReport['manifest']> = {
      version: plain(m.get(MANIFEST.ids['manifest-version'])),
      sequenceNumber: plain(m.get(MANIFEST.ids['manifest-sequence-number'])),
      components: [],
      members: [],
    };
    if (typeof m.get(MANIFEST.ids['reference-uri']) === 'string') out.referenceUri = m.get(MANIFEST.ids['reference-uri']) as string;
    const mcid = componentIdText(m.get(MANIFEST.ids['manifest-component-id']));
    if (mcid) out.componentId = mcid;
    if (c instanceof Map) {
      const comps = c.get(COMMON.ids.components);
      if (Array.isArray(comps)) out.components = comps.map((id) => componentIdText(id) ?? ['?']);
      const deps = c.get(COMMON.ids.dependencies);
      if (deps instanceof Map) {
        out.dependencies = [...deps].map(([idx, meta]) => {
          const prefix = meta instanceof Map ? componentIdText(meta.get(DEPENDENCY_METADATA.ids['dependency-prefix'])) : undefined;
          return { component: Number(idx), ...(prefix ? { prefix } : {}) };
        });
      }
      const shared = c.get(COMMON.ids['shared-sequence']);
      if (shared instanceof Uint8Array) out.shared = this.commands(this.decode(shared, 'shared-sequence'), 0, 'shared-sequence');
    } else {
      this.problems.push('common is missing or not a bstr-wrapped map');
    }
    for (const [k, v] of m) {
      if (typeof k !== 'number' || SHOWN_ABOVE.has(k)) continue;
      out.members.push(this.member(labelName(MANIFEST.names, k, 'member'), k, v, env));
    }
    return out;
  }
}

/** Inspects a SUIT envelope; throws EnvelopeError when it is not one. */
export function inspectEnvelope(bytes: Uint8Array): EnvelopeReport {
  return new Inspector(0).envelope(bytes);
}

/** Whether `bytes` starts like a SUIT envelope (tag 107, or an untagged map holding key 2 or 3). */
export function looksLikeSuitEnvelope(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0xd8 && bytes[1] === TAG.envelope) return true;
  return bytes.length >= 2 && bytes[0]! >= 0xa1 && bytes[0]! <= 0xb7 && (bytes[1] === 0x02 || bytes[1] === 0x03 || bytes[1] === 0x01);
}
