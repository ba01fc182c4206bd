// Fleet (`/`): every board with its host, kind, tags, state (with who holds it until when, and
// who waits for it in the reservation queue), what it runs (application version, SUIT sequence,
// slots) and when it was last seen; filtered by tag and state, sorted by any
// column — both kept in the URL (`/?tag=bench&state=idle&sort=last_seen&order=desc`), so a view
// is a link. Live: any board or agent event reloads the list.

import { ago, badge, clip, fill, h, pagePath, table, time } from '../dom.js';
import { coalesce, frame, guarded } from '../page.js';

const STATES = ['idle', 'reserved', 'busy', 'offline'];
/** Boards read at most (pages of 500); a larger fleet says so. */
const MAX_BOARDS = 2000;

const seq = (b) => b.status?.suit_sequence;
const COLUMNS = [
  { key: 'name', label: 'Board', value: (b) => b.name },
  { key: 'host', label: 'Host', value: (b) => b.host },
  { key: 'kind', label: 'Kind', value: (b) => b.kind },
  { key: 'tags', label: 'Tags', value: (b) => (b.tags ?? []).join(' ') },
  { key: 'state', label: 'State', value: (b) => b.state },
  { key: 'app', label: 'Application', value: (b) => b.status?.app_version ?? '' },
  { key: 'sequence', label: 'SUIT sequence', value: (b) => (seq(b) === null || seq(b) === undefined ? -1 : Number(seq(b))) },
  { key: 'slots', label: 'Slots', value: (b) => (b.status?.slots ?? []).length },
  { key: 'last_seen', label: 'Last seen', value: (b) => Date.parse(b.last_seen ?? '') || 0 },
];

export function slotsText(slots) {
  if (!Array.isArray(slots) || slots.length === 0) return '—';
  return slots
    .slice(0, 16)
    .map((s) => `${clip(s.image, 4)}/${clip(s.slot, 4)} ${clip(s.version, 64)}${Array.isArray(s.flags) && s.flags.length ? ` (${s.flags.slice(0, 5).map((f) => clip(f, 20)).join(', ')})` : ''}`)
    .join('; ');
}

/** Waiters a board's row names; its `waiting.count` says how many there are in all. */
const WAITERS_NAMED = 3;

/**
 * Who holds the board until when, and who waits for it (the reservation queue, oldest first:
 * how many, and since when): for the fleet's state cell and the board's page.
 */
export function reservationText(b, named = WAITERS_NAMED) {
  const parts = [];
  if (b.reservation) parts.push(h('span', { class: 'muted reservation' }, `by ${clip(b.reservation.holder, 64)} until `, time(b.reservation.expires_at)));
  const count = Number(b.waiting?.count) || 0;
  const first = Array.isArray(b.waiting?.first) ? b.waiting.first.slice(0, named) : [];
  if (count > 0) {
    const who = first.map((w, i) => [
      i > 0 ? ', ' : '',
      clip(w.holder, 64),
      w.tag === null || w.tag === undefined ? '' : ` (${clip(w.count, 4)} with tag ${clip(w.tag, 64)})`,
      ' since ',
      time(w.since),
    ]);
    parts.push(h('span', { class: 'muted waiting' }, `${b.reservation ? '; ' : ''}${count} waiting: `, who, count > first.length ? `, ${count - first.length} more` : ''));
  }
  return parts;
}

export function mount(ctx) {
  const f = frame(ctx, 'Fleet');
  const q = ctx.query;
  const view = {
    tag: q.get('tag') ?? '',
    state: STATES.includes(q.get('state')) ? q.get('state') : '',
    sort: COLUMNS.some((c) => c.key === q.get('sort')) ? q.get('sort') : 'name',
    order: q.get('order') === 'desc' ? 'desc' : 'asc',
  };
  let boards = [];
  let truncated = false;

  const tagSelect = h('select', { id: 'filter-tag', name: 'tag', on: { change: () => ((view.tag = tagSelect.value), changed()) } });
  const stateSelect = h(
    'select',
    { id: 'filter-state', name: 'state', on: { change: () => ((view.state = stateSelect.value), changed()) } },
    h('option', { value: '' }, 'any state'),
    STATES.map((s) => h('option', { value: s, selected: view.state === s }, s)),
  );
  // Sorting also from here: on a phone the table's header row (its sort buttons) is not shown.
  const sortSelect = h(
    'select',
    {
      id: 'sort-by',
      name: 'sort',
      on: {
        change: () => {
          [view.sort, view.order] = sortSelect.value.split(' ');
          changed();
        },
      },
    },
    COLUMNS.flatMap((c) => ['asc', 'desc'].map((o) => h('option', { value: `${c.key} ${o}` }, `${c.label}, ${o === 'asc' ? 'ascending' : 'descending'}`))),
  );
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter and sort boards', on: { submit: (e) => e.preventDefault() } },
    h('div', { class: 'field' }, h('label', { for: 'filter-tag' }, 'Tag'), tagSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-state' }, 'State'), stateSelect),
    h('div', { class: 'field' }, h('label', { for: 'sort-by' }, 'Sort by'), sortSelect),
  );
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const list = h('div', { class: 'fleet' });
  fill(f.body, filters, summary, list);

  function changed() {
    const p = new URLSearchParams();
    if (view.tag) p.set('tag', view.tag);
    if (view.state) p.set('state', view.state);
    if (view.sort !== 'name') p.set('sort', view.sort);
    if (view.order !== 'asc') p.set('order', view.order);
    const s = p.toString();
    history.replaceState(null, '', s ? `/?${s}` : '/');
    draw();
  }

  function header(c) {
    const sorted = view.sort === c.key;
    const next = sorted && view.order === 'asc' ? 'descending' : 'ascending';
    return h(
      'th',
      { scope: 'col', 'aria-sort': sorted ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none', 'data-label': c.label },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          'data-key': `sort-${c.key}`,
          title: `Sort by ${c.label.toLowerCase()}, ${next}`,
          on: {
            click: () => {
              view.order = sorted && view.order === 'asc' ? 'desc' : 'asc';
              view.sort = c.key;
              changed();
            },
          },
        },
        c.label,
        h('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''),
      ),
    );
  }

  function draw() {
    sortSelect.value = `${view.sort} ${view.order}`;
    const tags = [...new Set(boards.flatMap((b) => (Array.isArray(b.tags) ? b.tags : [])))].sort().slice(0, 500);
    if (view.tag && !tags.includes(view.tag)) tags.unshift(view.tag);
    fill(tagSelect, h('option', { value: '' }, 'any tag'), tags.map((t) => h('option', { value: t, selected: view.tag === t }, clip(t, 64))));
    const col = COLUMNS.find((c) => c.key === view.sort);
    const shown = boards
      .filter((b) => (!view.tag || (b.tags ?? []).includes(view.tag)) && (!view.state || b.state === view.state))
      .sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
        return (view.order === 'asc' ? d : -d) || String(a.name).localeCompare(String(b.name));
      });
    const counts = STATES.map((s) => `${boards.filter((b) => b.state === s).length} ${s}`).join(', ');
    fill(summary, `${shown.length} of ${boards.length} boards shown (${counts})${truncated ? `; only the first ${MAX_BOARDS} boards are read` : ''}.`);
    fill(
      list,
      table(
        'Boards',
        COLUMNS.map(header),
        shown.map((b) => ({
          key: `board-${clip(b.name, 200)}`,
          cells: [
            h('a', { href: pagePath('boards', b.name), 'data-key': `link-${clip(b.name, 200)}` }, clip(b.name, 200)),
            clip(b.host, 200) || '—',
            clip(b.kind, 40),
            (b.tags ?? []).slice(0, 32).map((t) => h('span', { class: 'tag' }, clip(t, 64))),
            h('span', {}, badge(b.state), ' ', reservationText(b)),
            clip(b.status?.app_version ?? '—', 64),
            seq(b) === null || seq(b) === undefined ? '—' : clip(seq(b), 24),
            slotsText(b.status?.slots),
            b.last_seen ? h('span', {}, time(b.last_seen), h('span', { class: 'muted' }, ` (${ago(b.last_seen)})`)) : 'never',
          ],
        })),
        { class: 'boards' },
      ),
    );
  }

  async function load() {
    const all = [];
    let after = null;
    truncated = false;
    for (;;) {
      const { body } = await ctx.api.get(`/boards?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      all.push(...(Array.isArray(body?.boards) ? body.boards : []));
      after = body?.next ?? null;
      if (!after) break;
      if (all.length >= MAX_BOARDS) {
        truncated = true;
        break;
      }
    }
    boards = all;
    draw();
  }

  const refresh = coalesce(() => guarded(f, load), 250);
  void refresh.now();
  return {
    refresh: refresh.schedule,
    onEvent: (e) => {
      // Console lines and transfer progress change nothing the fleet shows.
      if (e.topic === 'board' && (e.data?.console !== undefined || e.data?.progress !== undefined)) return;
      if (e.topic === 'board' || e.topic === 'agent' || e.topic === 'reservation') refresh.schedule();
    },
    dispose: refresh.cancel,
  };
}
