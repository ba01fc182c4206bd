// A campaign (`/campaigns/{id}`): its state and — when paused or ended — why; the release; the
// thresholds and deadline; boards per state as a bar; each rollout group with its boards' rows
// (state, reason, attempts, times). Operators get Pause, Resume and Cancel (the service checks the
// role again). Live: a board's move is drawn the moment its event arrives, then the campaign is
// reloaded for the counts.

import { badge, clip, duration, facts, fill, h, notice, pagePath, table, time } from '../dom.js';
import { countsBar } from '../counts.js';
import { coalesce, frame, guarded } from '../page.js';

const pct = (x) => (typeof x === 'number' ? `${Math.round(x * 1000) / 10}%` : '—');

export function mount(ctx, [id]) {
  const f = frame(ctx, `Campaign ${id}`);
  const summary = h('section', { 'aria-labelledby': 'summary-h' });
  const actions = h('div', { class: 'actions' });
  const result = h('div', { 'aria-live': 'polite' });
  const groups = h('section', { 'aria-labelledby': 'groups-h' });
  fill(f.body, h('h2', { id: 'summary-h', class: 'visually-hidden' }, 'Summary'), summary, actions, result, h('h2', { id: 'groups-h' }, 'Rollout groups'), groups);

  /** Operators' buttons: what the campaign's state allows (a viewer gets none; the service refuses them anyway). */
  function drawActions(c) {
    if (!ctx.may('operator') || (c.state !== 'running' && c.state !== 'paused')) return fill(actions);
    const act = (name, label) =>
      h('button', { type: 'button', class: name === 'cancel' ? 'danger' : null, 'data-key': `act-${name}`, on: { click: () => (name === 'cancel' ? confirmCancel() : run(name)) } }, label);
    const status = actions.querySelector('.action-status') ?? h('div', { class: 'action-status', 'aria-live': 'polite' });
    fill(actions, h('h2', { class: 'visually-hidden' }, 'Actions'), c.state === 'running' ? act('pause', 'Pause') : act('resume', 'Resume'), act('cancel', 'Cancel campaign'), status);
  }

  function confirmCancel() {
    const box = actions.querySelector('.action-status');
    const yes = h('button', { type: 'button', class: 'danger', 'data-key': 'act-cancel-yes', on: { click: () => run('cancel') } }, 'Yes, cancel it');
    fill(box, h('span', {}, `Cancel campaign ${id}? Boards not started end cancelled; boards being updated finish. `), yes, ' ', h('button', { type: 'button', on: { click: () => fill(box) } }, 'No'));
    yes.focus();
  }

  async function run(name) {
    try {
      draw(await ctx.api.post(`/campaigns/${id}/${name}`));
      fill(result, notice('note', `${name === 'cancel' ? 'Cancelled' : name === 'pause' ? 'Paused' : 'Resumed'}.`));
    } catch (e) {
      fill(result, notice('error', `${name}: ${e.message}`));
    }
  }

  function boardRow(b) {
    return {
      key: `cb-${clip(b.board, 200)}`,
      cells: [
        h('a', { href: pagePath('boards', b.board) }, clip(b.board, 200)),
        badge(b.state),
        clip(b.reason ?? '', 1000),
        clip(b.attempts, 6),
        time(b.started_at),
        time(b.finished_at),
      ],
    };
  }

  function draw(c) {
    const spec = c.spec ?? {};
    const target = Array.isArray(spec.boards) ? `boards ${spec.boards.slice(0, 50).map((b) => clip(b, 64)).join(', ')}${spec.boards.length > 50 ? ', …' : ''}` : `tag ${clip(spec.tag, 64)}`;
    fill(
      summary,
      h('p', { class: 'campaign-state' }, badge(c.state), c.reason ? h('span', { class: 'reason' }, ` ${c.state === 'paused' ? 'Paused because' : 'Why'}: ${clip(c.reason, 2000)}`) : null),
      countsBar(c.counts),
      facts([
        ['Release', h('a', { href: pagePath('releases', c.release), class: 'mono hash' }, clip(c.release, 64))],
        ['Boards', target],
        ['Rollout groups', Array.isArray(spec.groups) && spec.groups.length ? `${spec.groups.slice(0, 50).map((g) => clip(g, 6)).join(', ')} (the rest: one more group)` : 'one group'],
        ['Current group', clip(c.current_group, 6)],
        ['Success threshold', `${pct(spec.success_threshold)} of a group confirmed before the next starts`],
        ['Error threshold', spec.error_threshold === null || spec.error_threshold === undefined ? 'pauses when the success threshold is out of reach' : `pauses at ${pct(spec.error_threshold)} of a group in error`],
        ['Deadline per board', duration((spec.deadline_s ?? NaN) * 1000)],
        ['Time to confirm', duration((spec.confirm_s ?? NaN) * 1000)],
        ['Started', time(c.created_at)],
        ['Last change', time(c.updated_at)],
      ]),
    );
    drawActions(c);
    const boards = Array.isArray(c.boards) ? c.boards : [];
    const byGroup = new Map();
    for (const b of boards) {
      const g = Number.isSafeInteger(b.group) ? b.group : 0;
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g).push(b);
    }
    fill(
      groups,
      [...byGroup.keys()]
        .sort((a, b) => a - b)
        .map((g) =>
          h(
            'div',
            { class: 'group' },
            table(`Group ${g}${g === c.current_group && c.state === 'running' ? ' (in progress)' : ''}`, ['Board', 'State', 'Reason', 'Attempts', 'Started', 'Finished'], byGroup.get(g).map(boardRow), { class: 'campaign-boards' }),
          ),
        ),
    );
  }

  /** A board's move, drawn before the reload that follows it. */
  function patch(board, to, reason) {
    for (const tr of groups.querySelectorAll('tr[data-key]')) {
      if (tr.getAttribute('data-key') !== `cb-${clip(board, 200)}`) continue;
      fill(tr.cells[1].querySelector('.cell'), badge(to));
      fill(tr.cells[2].querySelector('.cell'), clip(reason ?? '', 1000));
    }
  }

  async function load() {
    const { body } = await ctx.api.get(`/campaigns/${id}`);
    draw(body);
  }

  const refresh = coalesce(() => guarded(f, load), 200);
  void refresh.now();
  return {
    refresh: refresh.schedule,
    onEvent(e) {
      if (e.topic === 'campaign-board' && String(e.data?.campaign) === id) {
        patch(String(e.data.board ?? ''), String(e.data.state ?? ''), e.data.reason);
        refresh.schedule();
      } else if (e.topic === 'campaign' && e.subject === id) refresh.schedule();
    },
    dispose: refresh.cancel,
  };
}
