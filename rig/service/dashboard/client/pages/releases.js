// Releases (`/releases`): what the firmware server holds, newest first — sequence number, size,
// the roles whose signatures verified, payloads. Uploads go through the API (they are files, and
// the service verifies them before it stores anything). Live: release events reload the list.

import { bytes, clip, fill, h, pagePath, shortId, time } from '../dom.js';
import { coalesce, frame, guarded, listLoader } from '../page.js';

function payloadsText(payloads) {
  const list = Array.isArray(payloads) ? payloads : [];
  const total = list.reduce((t, p) => t + (Number.isSafeInteger(p.size) ? p.size : 0), 0);
  return list.length === 0 ? 'none (integrated or none needed)' : `${list.length}: ${list.slice(0, 16).map((p) => clip(p.uri, 200)).join(', ')} (${bytes(total)})`;
}

export function mount(ctx) {
  const f = frame(ctx, 'Releases');
  const list = h('div');
  fill(f.body, list);

  const load = listLoader(ctx, list, {
    path: '/releases?limit=200',
    member: 'releases',
    empty: 'No release yet. Upload one with POST /api/v1/releases (multipart: envelope, then each payload by its URI).',
    caption: 'Releases, newest first',
    headers: ['Release', 'Sequence', 'Envelope', 'Signed by', 'Payloads', 'Uploaded'],
    row: (r) => ({
      key: `rel-${clip(r.id, 64)}`,
      cells: [
        h('a', { href: pagePath('releases', r.id), class: 'mono' }, shortId(r.id)),
        clip(r.sequence, 24),
        bytes(r.size),
        (r.signers ?? []).slice(0, 8).map((s) => clip(s, 40)).join(', ') || '—',
        payloadsText(r.payloads),
        time(r.created_at),
      ],
    }),
  });

  const refresh = coalesce(() => guarded(f, load), 250);
  void refresh.now();
  return {
    refresh: refresh.schedule,
    onEvent: (e) => {
      if (e.topic === 'release') refresh.schedule();
    },
    dispose: refresh.cancel,
  };
}
