// The dashboard's only way to put things on the page: elements built node by node, text always
// set as text (a board name with HTML in it stays text), every string from the API clipped to a
// bound, links only to the dashboard's own pages. Nothing here ever parses a string as markup.

/** Longest string shown in one place; longer ones end in an ellipsis. */
export const TEXT_MAX = 2000;

/** `s` as text, at most `max` characters. */
export function clip(s, max = TEXT_MAX) {
  const t = typeof s === 'string' ? s : s === null || s === undefined ? '' : String(s);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A long id (a SHA-256) shortened for a link or a list: its first 12 characters and an ellipsis. */
export function shortId(id) {
  return clip(id, 13);
}

const SAFE_ATTRIBUTES = new Set([
  'id', 'class', 'for', 'type', 'name', 'value', 'placeholder', 'title', 'role', 'tabindex', 'min', 'max', 'step', 'inputmode',
  'autocomplete', 'required', 'disabled', 'checked', 'selected', 'hidden', 'colspan', 'scope', 'datetime', 'lang', 'open',
  'aria-label', 'aria-live', 'aria-sort', 'aria-current', 'aria-describedby', 'aria-labelledby', 'aria-busy', 'aria-invalid',
  'aria-valuenow', 'aria-valuemin', 'aria-valuemax', 'aria-hidden', 'aria-expanded', 'aria-controls', 'data-key', 'data-label', 'data-state',
  'width', 'height', 'spellcheck', 'pattern', 'maxlength', 'size',
]);

/** An internal link target: a path of this dashboard, nothing else (no scheme, no other host). */
export function pagePath(...segments) {
  return `/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

/**
 * Builds an element. `attrs`: attribute values (booleans add or leave out the attribute), `href`
 * only as made by pagePath (starting with one '/'), `on`: event listeners. Children: nodes,
 * strings (as text, clipped), arrays, and null/undefined/false (nothing).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'href') {
      if (typeof v !== 'string' || !/^\/(?!\/)/.test(v)) throw new Error(`not a dashboard link: ${clip(v, 80)}`);
      el.setAttribute('href', v);
    } else if (SAFE_ATTRIBUTES.has(k)) {
      el.setAttribute(k, v === true ? '' : clip(v, 500));
    } else {
      throw new Error(`attribute ${k} is not one the dashboard sets`);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(clip(c)));
  }
}

/**
 * Replaces what `container` holds; the element that had the focus, when it is replaced by one
 * with the same data-key, gets the focus back (a live refresh must not throw a keyboard user out).
 */
export function fill(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.getAttribute('data-key') : null;
  container.replaceChildren();
  append(container, children);
  if (key !== null) {
    for (const el of container.querySelectorAll('[data-key]')) {
      if (el.getAttribute('data-key') === key) {
        el.focus();
        break;
      }
    }
  }
}

/** A time as the viewer's locale writes it, in a <time> element. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, clip(iso, 40));
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }));
}

/** `3 s ago`, `5 min ago`, ... */
export function ago(iso, now = Date.now()) {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Bytes in KiB/MiB. */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Milliseconds as `850 ms` or `12.3 s`. */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A state as a badge: its text is the state itself, its colour a class from a fixed list. */
const STATE_CLASSES = new Set([
  'idle', 'reserved', 'busy', 'offline', 'pending', 'delivering', 'installed', 'rebooting', 'booted', 'confirmed', 'refused', 'reverted',
  'failed', 'timed-out', 'cancelled', 'running', 'paused', 'done', 'queued', 'passed', 'error', 'not-applicable', 'not-run', 'timeout',
]);
export function badge(state) {
  const s = clip(state, 40);
  return h('span', { class: `badge${STATE_CLASSES.has(s) ? ` s-${s}` : ''}`, 'data-state': s }, s);
}

/** A <dl> of [term, value] pairs (values: nodes or text). */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/**
 * A table with a caption, header cells and rows of cells. Each cell carries its column's label
 * (a header node's data-label, else its text) for narrow screens, where rows become cards.
 */
export function table(caption, headers, rows, o = {}) {
  const labels = headers.map((x) => (x instanceof Node ? (x.getAttribute('data-label') ?? x.textContent) : x));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: o.class ?? null },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => (x instanceof Node ? x : h('th', { scope: 'col' }, x))))),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { 'data-key': r.key ?? null },
            r.cells.map((c, i) => h('td', { 'data-label': labels[i] ?? '' }, h('span', { class: 'cell' }, c))),
          ),
        ),
      ),
    ),
  );
}

/** A message for the user: error (role=alert) or note. */
export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
