// A release (`/releases/{id}`): its manifest as `suitrig inspect` shows it — sequence number,
// components, the conditions and directives of each command sequence, the signatures and the
// digest they cover — then its payloads. The inspect document is drawn from what it holds, each
// part bounded: a manifest with ten thousand commands shows the first ones and says so.

import { bytes, clip, facts, fill, h, shortId, table, time } from '../dom.js';
import { frame, guarded } from '../page.js';

const COMMANDS_SHOWN = 100;

function params(p) {
  if (!p || typeof p !== 'object') return '';
  return Object.entries(p)
    .slice(0, 20)
    .map(([k, v]) => `${clip(k, 60)} = ${clip(typeof v === 'object' && v !== null ? (v.hex ?? JSON.stringify(v)) : v, 200)}`)
    .join('; ');
}

function commands(list, caption) {
  const all = Array.isArray(list) ? list : [];
  return [
    table(
      caption,
      ['Command', 'Parameters / policy'],
      all.slice(0, COMMANDS_SHOWN).map((c, i) => ({ key: `${caption}-${i}`, cells: [h('span', { class: 'mono' }, clip(c.command ?? c.id, 80)), c.parameters ? params(c.parameters) : c.policy !== undefined ? `policy ${clip(c.policy, 6)}` : ''] })),
    ),
    all.length > COMMANDS_SHOWN ? h('p', { class: 'muted' }, `… and ${all.length - COMMANDS_SHOWN} more commands.`) : null,
  ];
}

export function mount(ctx, [id]) {
  const f = frame(ctx, `Release ${shortId(id)}`);
  void guarded(f, async () => {
    const { body: r } = await ctx.api.get(`/releases/${id}`);
    const inspect = r.manifest ?? {};
    const m = inspect.manifest ?? {};
    const auth = inspect.authentication ?? {};
    const members = Array.isArray(m.members) ? m.members.slice(0, 20) : [];
    fill(
      f.body,
      facts([
        ['Release (envelope SHA-256)', h('span', { class: 'mono hash' }, clip(r.id, 64))],
        ['Sequence number', clip(m.sequenceNumber ?? r.sequence, 24)],
        ['Manifest version', clip(m.version ?? '—', 6)],
        ['Components', (Array.isArray(m.components) ? m.components.slice(0, 16) : []).map((c) => h('div', { class: 'mono' }, clip(Array.isArray(c) ? c.join(' / ') : c, 200)))],
        ['Envelope', `${bytes(r.size)}${inspect.format ? ` (${clip(inspect.format, 40)})` : ''}`],
        ['Signed by', (r.signers ?? []).slice(0, 8).map((s) => clip(s, 40)).join(', ') || '—'],
        ['Uploaded', time(r.created_at)],
        Array.isArray(inspect.problems) && inspect.problems.length ? ['Problems', inspect.problems.slice(0, 20).map((p) => h('div', {}, clip(typeof p === 'string' ? p : JSON.stringify(p), 300)))] : null,
      ]),
      h('h2', {}, 'Signatures'),
      table(
        'Authentication blocks',
        ['Structure', 'Algorithm', 'Key id', 'Signature bytes'],
        (Array.isArray(auth.blocks) ? auth.blocks.slice(0, 16) : []).map((b, i) => ({ key: `sig-${i}`, cells: [clip(b.structure, 40), clip(b.algorithm, 40), h('span', { class: 'mono' }, clip(b.keyId ?? '—', 80)), clip(b.valueBytes, 8)] })),
      ),
      h('p', {}, `Manifest digest (${clip(auth.digest?.algorithm ?? '?', 20)}): `, h('span', { class: 'mono hash' }, clip(auth.digest?.hex ?? '—', 130)), auth.digestMatchesManifest === false ? ' — does NOT match the manifest' : ''),
      h('h2', {}, 'Conditions and directives'),
      commands(m.shared, 'Shared sequence (parameters and conditions)'),
      members.map((mem) => [h('h3', {}, `${clip(mem.name ?? mem.key, 60)} (${clip(mem.state ?? '', 20)})`), commands(mem.commands, `${clip(mem.name ?? mem.key, 60)} sequence`)]),
      h('h2', {}, 'Payloads'),
      table('Payloads', ['URI', 'Size', 'SHA-256'], (r.payloads ?? []).slice(0, 16).map((p, i) => ({ key: `p-${i}`, cells: [clip(p.uri, 600), bytes(p.size), h('span', { class: 'mono hash' }, clip(p.digest, 64))] }))),
    );
  });
  return {};
}
