// A campaign's boards per state: a bar of coloured segments, one per state in the order a board
// walks them, with the same counts in words next to it (the bar is an image named by that text;
// colour is never the only carrier). Widths are set through CSSOM, which the page's CSP allows
// (an inline style attribute it would not).

import { h } from './dom.js';

const BOARD_STATES = ['confirmed', 'booted', 'rebooting', 'installed', 'delivering', 'pending', 'refused', 'reverted', 'failed', 'timed-out', 'cancelled'];

export function countsBar(counts) {
  const c = counts && typeof counts === 'object' ? counts : {};
  const n = (s) => (Number.isSafeInteger(c[s]) && c[s] > 0 ? c[s] : 0);
  const total = BOARD_STATES.reduce((t, s) => t + n(s), 0);
  const present = BOARD_STATES.filter((s) => n(s) > 0);
  const words = present.map((s) => `${n(s)} ${s}`).join(', ') || 'no boards';
  const segments = present.map((s) => {
    const seg = h('span', { class: `seg s-${s}`, 'data-state': s });
    seg.style.width = `${(n(s) / total) * 100}%`;
    return seg;
  });
  return h('div', { class: 'counts' }, h('div', { class: 'bar', role: 'img', 'aria-label': `Boards by state: ${words}` }, segments), h('p', { class: 'counts-text' }, words));
}
