/**
 * The human view of an EnvelopeReport (`suitrig inspect`): one line per fact, commands by name
 * with their parameters, members marked severable/severed with their digest check, signatures
 * with algorithm and key id. Close to what suit-tool's `parse` prints, but with names.
 */
import { delegationLine } from './delegation.js';
import type { CommandInfo, EnvelopeReport, MemberInfo } from './model.js';
import type { DigestInfo } from './values.js';
import { encryptionText, type EncryptionSummary } from './encryption.js';

const digestText = (d: DigestInfo | undefined) => (d ? `${d.algorithm} ${d.hex}` : '(unreadable digest)');
const idText = (id: string[]) => `[${id.join(', ')}]`;

function valueText(v: unknown): string {
  if (v && typeof v === 'object' && 'algorithm' in v && 'hex' in v) return digestText(v as DigestInfo);
  if (v && typeof v === 'object' && 'content' in v && 'recipients' in v) return encryptionText(v as EncryptionSummary);
  if (v && typeof v === 'object' && 'hex' in v && 'bytes' in v) return `h'${(v as { hex: string }).hex}' (${(v as { bytes: number }).bytes} bytes)`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function commandLines(cmds: CommandInfo[], indent: string, components: string[][], out: string[]): void {
  for (const c of cmds) {
    if (c.component !== undefined) {
      const which = typeof c.component === 'number' ? `${c.component} ${components[c.component] ? idText(components[c.component]!) : '(no such component)'}` : JSON.stringify(c.component);
      out.push(`${indent}${c.command} ${which}`);
    } else if (c.parameters) {
      out.push(`${indent}${c.command}`);
      const w = Math.max(...Object.keys(c.parameters).map((k) => k.length));
      for (const [k, v] of Object.entries(c.parameters)) {
        const extra = k === 'source-component' && typeof v === 'number' && components[v] ? ` ${idText(components[v]!)}` : '';
        out.push(`${indent}  ${k.padEnd(w)}  ${valueText(v)}${extra}`);
      }
    } else if (c.sequences) {
      out.push(`${indent}${c.command}`);
      c.sequences.forEach((s, i) => {
        out.push(`${indent}  alternative ${i + 1}:`);
        commandLines(s, `${indent}    `, components, out);
      });
    } else {
      out.push(`${indent}${c.command}${c.policy !== undefined ? `  (report policy ${c.policy})` : c.argument !== undefined ? `  ${JSON.stringify(c.argument)}` : ''}`);
    }
  }
}

function memberLines(m: MemberInfo, components: string[][], out: string[]): void {
  const state =
    m.state === 'present'
      ? ''
      : m.state === 'severed'
        ? `  severed (digest ${digestText(m.digest)} in the manifest, element not in this envelope)`
        : `  severable (in the envelope, digest ${m.digestMatches ? 'matches' : 'DOES NOT MATCH'}: ${digestText(m.digest)})`;
  out.push(`  ${m.name}${state}`);
  if (m.commands) commandLines(m.commands, '    ', components, out);
  if (m.text) {
    for (const [lang, fields] of Object.entries(m.text)) {
      out.push(`    language ${lang}`);
      for (const [k, v] of Object.entries(fields as Record<string, unknown>)) {
        if (k === 'components') {
          for (const c of v as { component?: string[]; fields: Record<string, unknown> }[]) {
            out.push(`      component ${c.component ? idText(c.component) : '?'}`);
            for (const [ck, cv] of Object.entries(c.fields)) out.push(`        ${ck}: ${valueText(cv)}`);
          }
        } else {
          const text = valueText(v);
          out.push(`      ${k}: ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`.replace(/\n/g, '\n        '));
        }
      }
    }
  }
  if (m.value !== undefined) out.push(`    ${JSON.stringify(m.value)}`);
}

export function renderReport(r: EnvelopeReport, indent = ''): string {
  const out: string[] = [];
  out.push(`SUIT envelope${r.tagged ? ' (tag 107)' : ' (untagged)'}, ${r.bytes} bytes`);
  if (r.authentication) {
    const a = r.authentication;
    out.push('authentication wrapper');
    out.push(`  manifest digest  ${digestText(a.digest)}  ${a.digestMatchesManifest ? 'matches the manifest' : 'DOES NOT MATCH the manifest'}`);
    if (a.blocks.length === 0) out.push('  no signature or MAC');
    a.blocks.forEach((b, i) => {
      const parts = [b.structure, b.algorithm ? `${b.algorithm} (${b.algorithmId})` : 'no algorithm', `key id ${b.keyId ?? '-'}`];
      if (b.valueBytes !== undefined) parts.push(`${b.valueBytes}-byte ${b.structure.includes('Mac') ? 'tag' : 'signature'}`);
      if (b.detachedPayload === false) parts.push('payload NOT detached');
      if (b.problem) parts.push(b.problem);
      out.push(`  signature ${i + 1}      ${parts.join('  ')}`);
    });
  }
  const m = r.manifest;
  if (m) {
    out.push(`manifest  version ${String(m.version)}, sequence number ${String(m.sequenceNumber)}`);
    if (m.referenceUri) out.push(`  reference-uri  ${m.referenceUri}`);
    if (m.componentId) out.push(`  manifest-component-id  ${idText(m.componentId)}`);
    out.push('  components');
    m.components.forEach((c, i) => {
      const dep = m.dependencies?.find((d) => d.component === i);
      out.push(`    ${i}  ${idText(c)}${dep ? `  dependency${dep.prefix ? ` (prefix ${idText(dep.prefix)})` : ''}` : ''}`);
    });
    for (const d of m.dependencies ?? []) if (!m.components[d.component]) out.push(`    dependency on component ${d.component}, which is not in the list`);
    if (m.shared) {
      out.push('  shared-sequence');
      commandLines(m.shared, '    ', m.components, out);
    }
    for (const member of m.members) memberLines(member, m.components, out);
  }
  if (r.payloads.length > 0) {
    out.push('integrated payloads');
    for (const p of r.payloads) {
      out.push(`  ${JSON.stringify(p.key)}  ${p.bytes} bytes  sha-256 ${p.sha256}${p.envelope ? '  (a SUIT envelope: integrated dependency)' : ''}`);
      if (p.envelope) out.push(renderReport(p.envelope, '    ').trimEnd());
    }
  }
  (r.delegation ?? []).forEach((chain, i) => chain.forEach((l, j) => out.push(`delegation chain ${i + 1} link ${j + 1}: ${delegationLine(l)}`)));
  for (const u of r.unknownMembers) out.push(`unknown envelope member ${JSON.stringify(u.key)} (${u.bytes} bytes)`);
  for (const p of r.problems) out.push(`problem: ${p}`);
  return out.map((l) => indent + l).join('\n') + '\n';
}
