// Runs (`/runs`): QA runs, newest first — those started here or through the API, and those
// recorded from the command line (`suitrig run --tracker`); operators start one here (a built-in
// suite on boards chosen by name or tag, with a seed to replay). Live: run events reload the list.

import { badge, clip, fill, h, pagePath, time } from '../dom.js';
import { coalesce, frame, guarded, listLoader } from '../page.js';
import { boardPicker, field, picked, startForm } from '../forms.js';

/** The form that starts a run (operators only). */
function runForm(ctx, boards) {
  return startForm(ctx, {
    id: 'new-run-h',
    heading: 'Start a run',
    button: 'Start run',
    fields: [
      field('suite', 'Suite', h('input', { id: 'suite', name: 'suite', value: 'rfc9019', required: true, pattern: '[a-z0-9][a-z0-9\\-]{0,63}' })),
      boardPicker(boards, 'rb'),
      field('seed', 'Seed', h('input', { id: 'seed', name: 'seed', type: 'number', min: '0', max: '4294967295', placeholder: 'random' }), 'The same seed replays the same random choices.'),
      field('cases', 'Cases', h('input', { id: 'cases', name: 'cases', placeholder: 'all' }), 'Case ids, comma-separated; empty: every case of the suite.'),
    ],
    submit: async (form) => {
      const seed = form.elements.seed.value.trim();
      const cases = form.elements.cases.value.trim();
      const r = await ctx.api.post('/runs', {
        suite: form.elements.suite.value.trim(),
        ...picked(form),
        ...(seed ? { seed: Number(seed) } : {}),
        ...(cases ? { cases: cases.split(/[\s,]+/).filter(Boolean) } : {}),
      });
      return pagePath('runs', r.id);
    },
  });
}

export function mount(ctx) {
  const f = frame(ctx, 'Runs');
  const list = h('div');
  const start = h('section', { class: 'form-section' });
  fill(f.body, list, start);

  const load = listLoader(ctx, list, {
    path: '/runs?limit=100',
    member: 'runs',
    empty: 'No run yet.',
    caption: 'Runs, newest first',
    headers: ['Run', 'Suite', 'State', 'Boards', 'Origin', 'Started', 'Finished'],
    row: (r) => ({
      key: `r-${clip(r.id, 20)}`,
      cells: [
        h('a', { href: pagePath('runs', r.id) }, `Run ${clip(r.id, 20)}`),
        clip(r.suite, 64),
        [badge(r.state), r.reason ? h('div', { class: 'reason' }, clip(r.reason, 300)) : null],
        (r.boards ?? []).slice(0, 20).map((b) => clip(b, 64)).join(', '),
        r.origin === 'cli' ? 'command line' : 'service',
        time(r.created_at),
        time(r.finished_at),
      ],
    }),
  });

  async function loadForm() {
    if (!ctx.may('operator')) return;
    const { body } = await ctx.api.get('/boards?limit=500');
    fill(start, runForm(ctx, Array.isArray(body?.boards) ? body.boards : []));
  }

  const refresh = coalesce(() => guarded(f, load), 250);
  void refresh.now();
  void guarded(f, loadForm);
  return {
    refresh: refresh.schedule,
    onEvent: (e) => {
      if (e.topic === 'run') refresh.schedule();
    },
    dispose: refresh.cancel,
  };
}
