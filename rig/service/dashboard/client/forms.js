// Pieces of the forms that start work on boards (campaigns, runs): choosing boards by name or by
// tag, and labelled fields.

import { clip, h } from './dom.js';

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
