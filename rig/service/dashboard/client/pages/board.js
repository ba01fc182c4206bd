// A board (`/boards/{name}`): what it is and runs, who holds it and who waits for it, its update timeline (per campaign: envelope
// delivered, payload progress, the board's decision with its reason, reset, what booted,
// confirmed or reverted — with times), its console log (the newest lines, bounded) and its
// history. Live: the board's events reload what they touch; transfer progress is drawn as it
// comes.

import { ago, badge, bytes, clip, duration, facts, fill, h, pagePath, table, time } from '../dom.js';
import { coalesce, frame, guarded } from '../page.js';
import { reservationText, slotsText } from './fleet.js';

/** History lines read for the timeline and the history table (pages of this size). */
const HISTORY_PAGE = 200;
/** Campaigns shown on the timeline, newest first. */
const TIMELINE_CAMPAIGNS = 5;
/** Console lines shown, and characters of one line. */
const CONSOLE_LINES = 1000;
const CONSOLE_LINE_CHARS = 500;

/** Bytes per millisecond are kilobytes (1000 B) per second. */
const rate = (b, ms) => (ms > 0 ? `${(b / ms).toFixed(1)} KB/s` : '');

/** One line of the timeline for a history line, or undefined when it has no place there. */
function timelineEntry(line) {
  const d = line.detail ?? {};
  if (line.kind === 'upload') {
    const what = d.what === 'envelope' ? 'envelope delivered' : `payload ${clip(d.uri ?? '', 200)} delivered`;
    return { step: what, text: `${bytes(d.bytes)} in ${duration(d.ms)}${d.ms > 0 ? ` (${rate(d.bytes, d.ms)})` : ''}` };
  }
  if (line.kind === 'status') {
    const s = d.status ?? {};
    const boot = s.boot ? `, boot ${clip(s.boot.count, 12)}: ${clip(s.boot.outcome, 40)} (${clip(s.boot.reason, 40)})` : '';
    return { step: 'board reports', text: `runs app ${clip(s.app_version ?? '—', 64)}, SUIT sequence ${clip(s.suit_sequence ?? '—', 24)}${boot}` };
  }
  if (line.kind !== 'campaign') return undefined;
  const STEP = {
    pending: 'pending',
    delivering: 'delivering',
    installed: 'decision: accepted, installed',
    refused: 'decision: refused',
    rebooting: 'reset',
    booted: 'booted',
    confirmed: 'confirmed',
    reverted: 'reverted',
    failed: 'failed',
    'timed-out': 'timed out',
    cancelled: 'cancelled',
  };
  const state = typeof d.state === 'string' ? d.state : '?';
  return { step: STEP[state] ?? clip(state, 40), state, text: clip(d.reason ?? (d.group ? `rollout group ${d.group}` : ''), 1000) };
}

/** History lines grouped by campaign (newest campaign first), status reports placed in their campaign's span. */
function timelines(history) {
  const lines = [...history].reverse(); // oldest first
  const byCampaign = new Map();
  for (const l of lines) {
    const c = l.detail?.campaign;
    if ((l.kind === 'campaign' || l.kind === 'upload') && (typeof c === 'number' || typeof c === 'string')) {
      if (!byCampaign.has(c)) byCampaign.set(c, []);
      byCampaign.get(c).push(l);
    }
  }
  const spans = [...byCampaign].map(([campaign, ls]) => {
    const from = Date.parse(ls[0].at);
    const last = ls.at(-1);
    const ended = ['confirmed', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled'].includes(last.detail?.state);
    const to = ended ? Date.parse(last.at) : Infinity;
    const reports = lines.filter((l) => l.kind === 'status' && Date.parse(l.at) >= from && Date.parse(l.at) <= to);
    const all = [...ls, ...reports].sort((a, b) => a.id - b.id);
    return { campaign, lines: all, state: last.detail?.state };
  });
  return spans.reverse().slice(0, TIMELINE_CAMPAIGNS);
}

function historyText(l) {
  const d = l.detail ?? {};
  switch (l.kind) {
    case 'state':
      return `${clip(d.from, 20)} → ${clip(d.to, 20)}${d.why ? ` (${clip(d.why, 300)})` : ''}`;
    case 'campaign':
      return [h('a', { href: pagePath('campaigns', d.campaign) }, `campaign ${clip(d.campaign, 20)}`), `: ${clip(d.from ?? 'new', 20)} → ${clip(d.state, 20)}${d.reason ? ` — ${clip(d.reason, 500)}` : ''}`];
    case 'upload':
      return `${d.what === 'envelope' ? 'envelope' : `payload ${clip(d.uri, 200)}`}: ${bytes(d.bytes)} in ${duration(d.ms)}`;
    case 'status':
      return `app ${clip(d.status?.app_version ?? '—', 64)}, SUIT sequence ${clip(d.status?.suit_sequence ?? '—', 24)}`;
    case 'registered':
      return `registered by agent ${clip(d.agent, 64)} on ${clip(d.host || '—', 200)} (${clip(d.kind, 40)})`;
    case 'reservation':
      return [`${clip(d.action, 20)} by ${clip(d.holder, 64)}`, d.expires_at ? [' until ', time(d.expires_at)] : ''];
    case 'run':
      return [h('a', { href: pagePath('runs', d.run) }, `run ${clip(d.run, 20)}`), `: ${clip(d.state ?? '', 40)}${d.reason ? ` — ${clip(d.reason, 500)}` : ''}`];
    default:
      if (d.outcome) return `${clip(d.outcome.result, 40)}: ${clip(d.outcome.message, 500)}`;
      return clip(JSON.stringify(d), 300);
  }
}

/** The console as one text block: the newest CONSOLE_LINES lines, each cut to CONSOLE_LINE_CHARS. */
function consoleText(lines) {
  const shown = Array.isArray(lines) ? lines.slice(-CONSOLE_LINES) : [];
  return { text: shown.map((l) => clip(typeof l?.text === 'string' ? l.text : '', CONSOLE_LINE_CHARS)).join('\n'), shown: shown.length, hidden: Math.max(0, (lines?.length ?? 0) - shown.length) };
}

export function mount(ctx, [name]) {
  const shortName = clip(name, 200);
  const f = frame(ctx, `Board ${shortName}`);
  const about = h('section', { 'aria-labelledby': 'about-h' });
  const progress = h('div', { class: 'progress-live', 'aria-live': 'polite' });
  const timeline = h('div', { class: 'timelines' });
  const consoleBox = h('div', { class: 'console-box' });
  const historyBox = h('div');
  fill(
    f.body,
    h('h2', { id: 'about-h' }, 'Board'),
    about,
    h('section', { 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, 'Update timeline'), progress, timeline),
    h('section', { 'aria-labelledby': 'console-h' }, h('h2', { id: 'console-h' }, 'Console log'), consoleBox),
    h('section', { 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h' }, 'History'), historyBox),
  );
  let older = []; // history lines loaded with "older"
  let next = null;
  const base = pagePath('boards', name);

  async function loadBoard() {
    const { body: b } = await ctx.api.get(base);
    fill(
      about,
      facts([
        ['Name', clip(b.name, 200)],
        ['State', badge(b.state)],
        ['Reserved', b.reservation || b.waiting?.count ? h('span', { class: 'queue' }, reservationText(b, 10)) : 'no one holds or waits for it'],
        ['Host', clip(b.host, 200) || '—'],
        ['Agent', clip(b.agent, 64)],
        ['Kind', clip(b.kind, 40)],
        ['Tags', (b.tags ?? []).slice(0, 32).map((t) => h('span', { class: 'tag' }, clip(t, 64)))],
        ['Application', clip(b.status?.app_version ?? '—', 64)],
        ['SUIT sequence', clip(b.status?.suit_sequence ?? '—', 24)],
        ['Slots', slotsText(b.status?.slots)],
        ['Last boot', b.status?.boot ? `boot ${clip(b.status.boot.count, 12)}: ${clip(b.status.boot.outcome, 40)}, reset reason ${clip(b.status.boot.reason, 40)}, slot ${clip(b.status.boot.slot, 4)}` : '—'],
        ['Last seen', b.last_seen ? [time(b.last_seen), ` (${ago(b.last_seen)})`] : 'never'],
      ]),
    );
  }

  async function loadHistory() {
    const { body } = await ctx.api.get(`${base}/history?limit=${HISTORY_PAGE}`);
    const recent = Array.isArray(body?.history) ? body.history : [];
    if (older.length === 0) next = body?.next ?? null;
    const lines = [...recent, ...older.filter((o) => !recent.some((r) => r.id === o.id))];
    drawTimeline(lines);
    drawHistory(lines);
  }

  function drawTimeline(lines) {
    const spans = timelines(lines);
    if (spans.length === 0) {
      fill(timeline, h('p', { class: 'muted' }, 'No update campaign has reached this board yet.'));
      return;
    }
    fill(
      timeline,
      spans.map((s) =>
        h(
          'article',
          { class: 'timeline', 'data-key': `campaign-${clip(s.campaign, 20)}` },
          h('h3', {}, h('a', { href: pagePath('campaigns', s.campaign) }, `Campaign ${clip(s.campaign, 20)}`), ' ', s.state ? badge(s.state) : null),
          h(
            'ol',
            {},
            s.lines.map((l) => {
              const e = timelineEntry(l);
              return h('li', { class: `step${e.state ? ` t-${clip(e.state, 20)}` : ''}`, 'data-state': e.state ?? null }, time(l.at), ' ', h('strong', {}, e.step), e.text ? [' — ', e.text] : null);
            }),
          ),
        ),
      ),
    );
  }

  function drawHistory(lines) {
    fill(
      historyBox,
      table(
        'History, newest first',
        ['Time', 'Kind', 'What'],
        lines.map((l) => ({ key: `h-${l.id}`, cells: [time(l.at), clip(l.kind, 40), historyText(l)] })),
      ),
      next
        ? h(
            'button',
            {
              type: 'button',
              'data-key': 'older',
              on: {
                click: async () => {
                  await guarded(f, async () => {
                    const { body } = await ctx.api.get(`${base}/history?limit=${HISTORY_PAGE}&before=${encodeURIComponent(next)}`);
                    older = [...older, ...(body?.history ?? [])];
                    next = body?.next ?? null;
                    await loadHistory();
                  });
                },
              },
            },
            'Older history',
          )
        : null,
    );
  }

  async function loadConsole() {
    const { body } = await ctx.api.get(`${base}/console?limit=${CONSOLE_LINES}`);
    const { text, shown, hidden } = consoleText(body?.lines);
    // One text node of at most CONSOLE_LINES x CONSOLE_LINE_CHARS characters (not clipped to TEXT_MAX as a whole).
    const pre = h('pre', { class: 'console', tabindex: '0', role: 'log', 'aria-label': `Console of ${shortName}` }, document.createTextNode(text || '(nothing printed yet)'));
    fill(
      consoleBox,
      h(
        'p',
        { class: 'muted' },
        `${shown} line${shown === 1 ? '' : 's'}${body?.more || hidden ? '; older lines are not shown' : ''}${body?.dropped ? `; ${clip(body.dropped, 12)} lines were dropped by the agent (printed too fast)` : ''}.`,
      ),
      pre,
    );
    pre.scrollTop = pre.scrollHeight;
  }

  function showProgress(p) {
    if (!p || typeof p.total !== 'number' || p.total <= 0) return;
    const pct = Math.min(100, Math.round((p.bytes / p.total) * 100));
    fill(
      progress,
      h('label', { for: 'upload-progress' }, `${p.what === 'envelope' ? 'envelope' : `payload ${clip(p.uri ?? '', 200)}`}: ${bytes(p.bytes)} of ${bytes(p.total)} (${rate(p.bytes, p.ms)}) `),
      h('progress', { id: 'upload-progress', max: '100', value: String(pct) }, `${pct}%`),
    );
  }

  const board = coalesce(() => guarded(f, loadBoard));
  const history = coalesce(() => guarded(f, loadHistory));
  const console_ = coalesce(() => guarded(f, loadConsole), 300);
  void board.now();
  void history.now();
  void console_.now();
  const refresh = () => {
    board.schedule();
    history.schedule();
    console_.schedule();
  };
  return {
    refresh,
    onEvent(e) {
      if (e.topic === 'board' && e.subject === name) {
        if (e.data?.console !== undefined) return console_.schedule();
        if (e.data?.progress) return showProgress(e.data.progress);
        if (e.data?.upload) fill(progress);
        board.schedule();
        history.schedule();
      } else if (e.topic === 'campaign-board' && e.data?.board === name) history.schedule();
      // A ticket by tag is an event of the tag, not of the board: any change of the queue may concern it.
      else if (e.topic === 'reservation') {
        board.schedule();
        if (e.subject === name) history.schedule();
      }
      else if (e.topic === 'run' && Array.isArray(e.data?.boards) && e.data.boards.includes(name)) history.schedule();
    },
    dispose() {
      board.cancel();
      history.cancel();
      console_.cancel();
    },
  };
}

