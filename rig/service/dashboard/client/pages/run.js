// A run (`/runs/{id}`): its suite, seed and state, each board's part; when it has finished, each
// board's cases — outcome, duration, the step where a case failed and its message — and two
// charts: upload throughput over the run (every payload transfer, per board) and case durations.
// While it runs, its progress per board. Live: the run's events reload it. The JUnit XML is
// fetched with the token and handed to the browser as a download.

import { badge, bytes, clip, duration, facts, fill, h, notice, table, time } from '../dom.js';
import { PALETTE, chart } from '../charts.js';
import { coalesce, frame, guarded } from '../page.js';

/** The step where a case failed: as the report names it, else its first step that did not pass. */
function failingStep(c) {
  if (typeof c.failedStep === 'string') return c.failedStep;
  if (c.outcome !== 'failed' && c.outcome !== 'error') return '';
  const s = (c.steps ?? []).find((x) => x.outcome !== 'passed' && x.outcome !== 'not-run');
  return s ? s.name : '';
}

/** Upload throughput points per board: seconds since the run started, KB/s (1 KB = 1000 B). */
function throughput(report) {
  const t0 = Date.parse(report.startedAt);
  return (report.boards ?? []).map((b) => ({
    board: b.name,
    points: (b.cases ?? []).flatMap((c) =>
      (c.transfers ?? [])
        .filter((t) => t.ms > 0 && !t.interrupted)
        .map((t) => ({ x: Math.round((Date.parse(c.startedAt) + t.atMs - t0) / 100) / 10, y: Math.round((t.bytes / t.ms) * 10) / 10, bytes: t.bytes, case: c.id })),
    ),
  }));
}

export function mount(ctx, [id]) {
  const f = frame(ctx, `Run ${id}`);
  const summary = h('section', { 'aria-label': 'Summary' });
  const charts = h('section', { 'aria-labelledby': 'charts-h' });
  const boardsBox = h('section', { 'aria-labelledby': 'cases-h' });
  fill(f.body, summary, boardsBox, charts);
  let drawn = [];

  function drawSummary(run, report) {
    const junit = h(
      'button',
      {
        type: 'button',
        on: {
          click: async () => {
            try {
              const xml = await ctx.api.text(`/runs/${id}/junit.xml`);
              const a = document.createElement('a');
              a.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
              a.download = `run-${id}.junit.xml`;
              a.click();
              setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
            } catch (e) {
              f.error(e);
            }
          },
        },
      },
      'Download JUnit XML',
    );
    fill(
      summary,
      h('p', {}, badge(run.state), run.reason ? h('span', { class: 'reason' }, ` ${clip(run.reason, 1000)}`) : null),
      facts([
        ['Suite', clip(run.suite, 64)],
        ['Seed', [clip(run.seed, 12), h('span', { class: 'muted' }, ' (the same seed replays the run)')]],
        ['Origin', run.origin === 'cli' ? 'recorded from the command line' : 'started on the service'],
        ['Started', time(run.created_at)],
        ['Finished', time(run.finished_at)],
        report ? ['Cases', `${clip(report.totals?.passed, 6)} passed, ${clip(report.totals?.failed, 6)} failed, ${clip(report.totals?.error, 6)} errors, ${clip(report.totals?.notApplicable, 6)} not applicable`] : null,
        report ? ['Duration', duration(report.durationMs)] : null,
      ]),
      table('Boards', ['Board', 'State', 'Why'], (run.boards ?? []).map((b) => ({ key: `rb-${clip(b.board, 200)}`, cells: [clip(b.board, 200), badge(b.state), clip(b.reason ?? '', 1000)] }))),
      report ? junit : null,
    );
  }

  function drawCases(report) {
    if (!report) return fill(boardsBox, h('h2', { id: 'cases-h' }, 'Cases'), notice('note', 'The cases are shown when the run has finished.'));
    fill(
      boardsBox,
      h('h2', { id: 'cases-h' }, 'Cases'),
      (report.boards ?? []).slice(0, 256).map((b) =>
        h(
          'div',
          { class: 'run-board' },
          h('h3', {}, `${clip(b.name, 200)} `, badge(b.status), b.message ? h('span', { class: 'reason' }, ` ${clip(b.message, 1000)}`) : null),
          table(
            `Cases on ${clip(b.name, 200)}`,
            ['Case', 'Outcome', 'Duration', 'Failing step', 'Message'],
            (b.cases ?? []).slice(0, 1000).map((c) => ({
              key: `case-${clip(b.name, 200)}-${clip(c.id, 100)}`,
              cells: [h('span', { title: clip(c.title, 300) }, h('span', { class: 'mono' }, clip(c.id, 100)), h('div', { class: 'muted' }, clip(c.title, 300))), badge(c.outcome), duration(c.durationMs), clip(failingStep(c), 200) || '—', clip(c.message ?? '', 4000)],
            })),
            { class: 'cases' },
          ),
        ),
      ),
    );
  }

  function drawCharts(report) {
    for (const c of drawn) c?.destroy();
    drawn = [];
    fill(charts, h('h2', { id: 'charts-h' }, 'Charts'));
    if (!report) return charts.appendChild(h('p', { class: 'muted' }, 'Charts are drawn when the run has finished.'));
    const series = throughput(report).filter((s) => s.points.length > 0);
    if (series.length === 0) charts.appendChild(h('p', { class: 'muted' }, 'No payload was transferred in this run: no throughput to plot.'));
    else {
      drawn.push(
        chart(
          charts,
          'Upload throughput over the run (KB/s per payload transfer)',
          {
            type: 'line',
            data: { datasets: series.map((s, i) => ({ label: clip(s.board, 64), data: s.points, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], showLine: true })) },
            options: { scales: { x: { type: 'linear', title: { display: true, text: 'seconds since the run started' } }, y: { beginAtZero: true, title: { display: true, text: 'KB/s' } } } },
          },
          { headers: ['Board', 'Case', 'At (s)', 'Size', 'KB/s'], rows: series.flatMap((s) => s.points.map((p) => [s.board, p.case, p.x, bytes(p.bytes), p.y])) },
        ),
      );
    }
    const boards = (report.boards ?? []).slice(0, 16);
    const caseIds = [...new Set(boards.flatMap((b) => (b.cases ?? []).map((c) => c.id)))].slice(0, 200);
    drawn.push(
      chart(
        charts,
        'Case durations (seconds)',
        {
          type: 'bar',
          data: {
            labels: caseIds.map((c) => clip(c, 60)),
            datasets: boards.map((b, i) => ({ label: clip(b.name, 64), data: caseIds.map((cid) => ((b.cases ?? []).find((c) => c.id === cid)?.durationMs ?? 0) / 1000), backgroundColor: PALETTE[i % PALETTE.length] })),
          },
          options: { indexAxis: 'y', scales: { x: { beginAtZero: true, title: { display: true, text: 'seconds' } } } },
        },
        { headers: ['Board', 'Case', 'Outcome', 'Seconds'], rows: boards.flatMap((b) => (b.cases ?? []).map((c) => [b.name, c.id, c.outcome, (c.durationMs / 1000).toFixed(2)])) },
      ),
    );
  }

  let finished = false;
  async function load() {
    const { status, body } = await ctx.api.get(`/runs/${id}`);
    const report = status === 200 ? body : undefined;
    drawSummary(body.run ?? {}, report);
    // A finished run's report does not change: its cases and charts are drawn once.
    if (report && finished) return;
    finished = Boolean(report);
    drawCases(report);
    drawCharts(report);
  }

  const refresh = coalesce(() => guarded(f, load), 250);
  void refresh.now();
  return {
    refresh: refresh.schedule,
    onEvent: (e) => {
      if (e.topic === 'run' && e.subject === id) refresh.schedule();
    },
    dispose() {
      refresh.cancel();
      for (const c of drawn) c?.destroy();
    },
  };
}
