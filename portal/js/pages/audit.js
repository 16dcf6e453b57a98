// Audit log: every change, who made it and when, with the state before and after; filtered
// by user (or any actor), object and action.
import {get, query} from '../api.js';
import {h, table, formatTime, put} from '../dom.js';
import {input} from '../forms.js';

export async function render(main, ctx) {
  const p = ctx.params;
  const user = input('user', {placeholder: 'user', value: p.get('user') || ''});
  const object = input('object', {placeholder: 'object (topic, group, ...)',
                                  value: p.get('object') || ''});
  const action = input('action', {placeholder: 'action (topic.create, ...)',
                                  value: p.get('action') || ''});
  const filters = h('form', {class: 'toolbar', id: 'audit-filter'}, user, object, action,
    h('button', {type: 'submit', class: 'primary'}, 'Filter'));
  filters.addEventListener('submit', e => {
    e.preventDefault();
    ctx.navigate(`#/audit${query({user: user.value.trim(), object: object.value.trim(),
                                  action: action.value.trim()})}`);
  });
  const params = {user: p.get('user'), actor: p.get('actor'), object: p.get('object'),
                  action: p.get('action'), before_id: p.get('before_id'), limit: 50};
  const data = await get(`/api/audit${query(params)}`);
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Audit log')), filters,
    h('section', {class: 'card'}, table([
      {title: 'When', cell: e => formatTime(e.at_ms)},
      {title: 'Who', cell: e => e.actor},
      {title: 'Action', cell: e => h('code', {}, e.action)},
      {title: 'Object', cell: e => e.object},
      {title: 'Before', cell: e => jsonBlock(e.before)},
      {title: 'After', cell: e => jsonBlock(e.after)},
    ], data.entries, {empty: 'No matching entries.'})),
    data.next_before_id ? h('a', {class: 'button', href: `#/audit${query({...params, limit: '',
      before_id: data.next_before_id})}`}, 'Older entries →') : null);
}

// Stored JSON shown as text: one line per top-level field, each value as compact JSON.
function jsonBlock(text) {
  if (!text) return h('span', {class: 'muted'}, '—');
  let shown = text;
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      shown = Object.entries(value).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n');
    }
  } catch { /* shown as stored */ }
  return h('pre', {class: 'json'}, shown);
}
