// Pieces of the forms that start work on boards (campaigns, runs): the form itself, choosing
// boards by name or by tag, and labelled fields.

import { clip, fill, h, notice } from './dom.js';

/**
 * A form that starts work: its heading, `fields`, a submit button and a polite status line.
 * `submit(form)` sends the request and answers the page to go to; what it throws is shown as
 * "Not started: ..." and the form stays as it was filled.
 */
export function startForm(ctx, { id, heading, button, fields, submit }) {
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'start',
      'aria-labelledby': id,
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          fill(status);
          try {
            ctx.navigate(await submit(form));
          } catch (e) {
            fill(status, notice('error', `Not started: ${e.message}`));
          }
        },
      },
    },
    h('h2', { id }, heading),
    fields,
    h('button', { type: 'submit' }, button),
    status,
  );
  return form;
}

/** A labelled field; `help` is tied to the input by aria-describedby when given. */
export function field(id, label, input, help) {
  if (help) input.setAttribute('aria-describedby', `${id}-help`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, help ? h('p', { class: 'help', id: `${id}-help` }, help) : null);
}

/** Checkboxes of board names and a tag select; `picked(form)` reads them. */
export function boardPicker(boards, prefix) {
  const tags = [...new Set(boards.flatMap((b) => (Array.isArray(b.tags) ? b.tags : [])))].sort();
  return [
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', {}, 'Boards (or a tag below)'),
      boards.slice(0, 500).map((b, i) =>
        h('div', { class: 'choice' }, h('input', { type: 'checkbox', id: `${prefix}-${i}`, name: 'board', value: clip(b.name, 200) }), h('label', { for: `${prefix}-${i}` }, clip(b.name, 200))),
      ),
    ),
    field('tag', 'Tag', h('select', { id: 'tag', name: 'tag' }, h('option', { value: '' }, '(boards chosen above)'), tags.map((t) => h('option', { value: clip(t, 64) }, clip(t, 64))))),
  ];
}

/** `{boards}` or `{tag}` as the form says; throws when it says neither. */
export function picked(form) {
  const boards = [...form.querySelectorAll('input[name=board]:checked')].map((x) => x.value);
  if (boards.length) return { boards };
  const tag = form.elements.tag.value;
  if (!tag) throw new Error('choose boards, or a tag');
  return { tag };
}
