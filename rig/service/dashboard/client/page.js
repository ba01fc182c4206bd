// What every page of the dashboard shares: its frame (a heading that takes the focus when the
// page opens, a place for errors), and refreshes that coalesce — a burst of events becomes one
// reload at a time, and a reload asked for while one runs follows it, so the page ends up showing
// the latest state without stacking requests.

import { fill, h, notice, table } from './dom.js';

/** Calls `load` now and after each `schedule()`, never two at once, at most every `gapMs`. */
export function coalesce(load, gapMs = 150) {
  let running = false;
  let again = false;
  let timer;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(run, gapMs);
  };
  return { now: run, schedule, cancel: () => clearTimeout(timer) };
}

/**
 * The page's frame in `main`: a focusable h1 (screen readers and keyboards land on it when the
 * page changes), an error slot, and the body the page fills.
 */
export function frame(ctx, title) {
  const heading = h('h1', { tabindex: '-1' }, title);
  const error = h('div', { class: 'page-error' });
  const body = h('div', { class: 'page-body' });
  fill(ctx.main, heading, error, body);
  ctx.setTitle(title);
  return {
    heading,
    body,
    setTitle(t) {
      fill(heading, t);
      ctx.setTitle(t);
    },
    /** Shows what went wrong loading (or clears it with undefined). */
    error(e) {
      if (!e) fill(error);
      else fill(error, notice('error', e.message ?? String(e)));
    },
  };
}

/** Runs `fn` (an async load) showing its failure in the frame instead of throwing. */
export async function guarded(f, fn) {
  try {
    await fn();
    f.error(undefined);
  } catch (e) {
    if (e?.name === 'AbortError') return;
    f.error(e);
  }
}

/**
 * The loader of a list page: GET `path`, take its `member` array (anything else counts as none),
 * and show `empty` when there is none, else a table with one `row(item)` per item.
 */
export function listLoader(ctx, list, { path, member, empty, caption, headers, row }) {
  return async () => {
    const { body } = await ctx.api.get(path);
    const items = Array.isArray(body?.[member]) ? body[member] : [];
    fill(list, items.length === 0 ? h('p', { class: 'muted' }, empty) : table(caption, headers, items.map(row)));
  };
}
