// Charts with chart.js (served from the service's node_modules by the page shell, as a plain
// script: window.Chart). Each chart is a canvas named for screen readers, with its data also as a
// table under a disclosure, and drawn without animation (nothing moves for people who asked for
// reduced motion, and the page settles at once).

import { clip, h, table } from './dom.js';

export const PALETTE = ['#1f5fa8', '#b4451f', '#2e7d32', '#6a3d9a', '#8a6d00', '#00796b', '#ad1457', '#455a64'];

/** Draws `config` into a new block appended to `container`; returns the chart (destroy it before redrawing). */
export function chart(container, title, config, rows) {
  const Chart = globalThis.Chart;
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const figure = h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    h('div', { class: 'chart-area' }, canvas),
    h('details', {}, h('summary', {}, 'The data as a table'), table(null, rows.headers, rows.rows.map((cells, i) => ({ key: `r${i}`, cells: cells.map((c) => clip(c, 300)) })))),
  );
  container.appendChild(figure);
  if (typeof Chart !== 'function') {
    canvas.replaceWith(h('p', { class: 'muted' }, 'Charts are not available (chart.js did not load); the data is in the table.'));
    return undefined;
  }
  return new Chart(canvas, {
    ...config,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      ...config.options,
      plugins: { legend: { position: 'bottom' }, ...config.options?.plugins },
    },
  });
}
