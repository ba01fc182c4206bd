// Campaigns (`/campaigns`): every campaign, newest first, with its state and boards per state;
// operators start a new one here (a release to boards chosen by name or tag, in rollout groups,
// with thresholds and a deadline per board). Live: campaign events reload the list.

import { badge, clip, fill, h, notice, pagePath, shortId, time } from '../dom.js';
import { countsBar } from '../counts.js';
import { coalesce, frame, guarded, listLoader } from '../page.js';
import { boardPicker, field, picked, startForm } from '../forms.js';

/** Numbers from the form: empty means "the service's default". */
function numberField(form, name, scale = 1) {
  const v = form.elements[name].value.trim();
  if (v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${form.elements[name].labels[0]?.textContent ?? name}: not a number`);
  return n * scale;
}

function releaseOptions(select, releases) {
  const was = select.value;
  fill(
    select,
    releases.map((r) => h('option', { value: clip(r.id, 64), selected: r.id === was }, `sequence ${clip(r.sequence, 24)} — ${shortId(r.id)} (${(r.payloads ?? []).length} payload${(r.payloads ?? []).length === 1 ? '' : 's'})`)),
  );
}

/** The form that starts a campaign (operators only); its release list is refilled as releases come. */
function campaignForm(ctx, releaseSelect, boards) {
  return startForm(ctx, {
    id: 'new-campaign-h',
    heading: 'Start a campaign',
    button: 'Start campaign',
    fields: [
      field('release', 'Release', releaseSelect),
      boardPicker(boards, 'cb'),
      field('groups', 'Rollout groups', h('input', { id: 'groups', name: 'groups', inputmode: 'numeric', placeholder: 'e.g. 2, 2' }), 'Sizes of the groups in board order; the rest form one more group. Empty: one group.'),
      field('success_threshold', 'Success threshold (%)', h('input', { id: 'success_threshold', name: 'success_threshold', type: 'number', min: '0', max: '100', placeholder: '100' })),
      field('error_threshold', 'Error threshold (%)', h('input', { id: 'error_threshold', name: 'error_threshold', type: 'number', min: '0', max: '100' }), 'Empty: pause when the success threshold is out of reach.'),
      field('deadline_s', 'Deadline per board (s)', h('input', { id: 'deadline_s', name: 'deadline_s', type: 'number', min: '1', placeholder: '600' })),
      field('confirm_s', 'Time to confirm (s)', h('input', { id: 'confirm_s', name: 'confirm_s', type: 'number', min: '0', placeholder: '30' })),
    ],
    submit: async (form) => {
      const groups = form.elements.groups.value.trim();
      const body = {
        release: form.elements.release.value,
        ...picked(form),
        ...(groups ? { groups: groups.split(/[\s,]+/).filter(Boolean).map(Number) } : {}),
      };
      for (const [k, scale] of [['success_threshold', 0.01], ['error_threshold', 0.01], ['deadline_s', 1], ['confirm_s', 1]]) {
        const v = numberField(form, k, scale);
        if (v !== undefined) body[k] = k.endsWith('_s') ? Math.round(v) : v;
      }
      const c = await ctx.api.post('/campaigns', body);
      return pagePath('campaigns', c.id);
    },
  });
}

export function mount(ctx) {
  const f = frame(ctx, 'Campaigns');
  const list = h('div');
  const start = h('section', { class: 'form-section' });
  fill(f.body, list, start);

  const load = listLoader(ctx, list, {
    path: '/campaigns?limit=100',
    member: 'campaigns',
    empty: 'No campaign yet.',
    caption: 'Campaigns, newest first',
    headers: ['Campaign', 'State', 'Release', 'Boards by state', 'Started'],
    row: (c) => ({
      key: `c-${clip(c.id, 20)}`,
      cells: [
        h('a', { href: pagePath('campaigns', c.id) }, `Campaign ${clip(c.id, 20)}`),
        [badge(c.state), c.reason ? h('div', { class: 'reason' }, clip(c.reason, 300)) : null],
        h('a', { href: pagePath('releases', c.release), class: 'mono' }, shortId(c.release)),
        countsBar(c.counts),
        time(c.created_at),
      ],
    }),
  });

  const releaseSelect = h('select', { id: 'release', name: 'release', required: true });
  const noRelease = h('div');
  async function loadReleases() {
    const { body } = await ctx.api.get('/releases?limit=100');
    const releases = Array.isArray(body?.releases) ? body.releases : [];
    releaseOptions(releaseSelect, releases);
    fill(noRelease, releases.length === 0 ? notice('note', 'No release yet: upload one (POST /api/v1/releases) to start a campaign.') : null);
  }
  async function loadForm() {
    if (!ctx.may('operator')) return;
    const { body } = await ctx.api.get('/boards?limit=500');
    fill(start, noRelease, campaignForm(ctx, releaseSelect, Array.isArray(body?.boards) ? body.boards : []));
    await loadReleases();
  }

  const refresh = coalesce(() => guarded(f, load), 250);
  void refresh.now();
  void guarded(f, loadForm);
  return {
    refresh: refresh.schedule,
    onEvent: (e) => {
      if (e.topic === 'campaign' || e.topic === 'campaign-board') refresh.schedule();
      if (e.topic === 'release' && ctx.may('operator')) void guarded(f, loadReleases);
    },
    dispose: refresh.cancel,
  };
}
